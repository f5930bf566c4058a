"""Synthesize every fixed ``voice.*`` sentence of every language into the voice cache, ahead of use.

    python -m ui.voice.build [--config FILE] [--language ja ...]

Run at set-up (and after a translation changes): the kiosk then speaks each screen's guidance
from the cache at once. Sentences with amounts or counts are made when first needed. Prints
what it made, found already made, and could not make; a language no synthesizer here speaks is
named and skipped. Exit status 0 if every sentence it could try was made, 1 if any failed.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from app.cli import input_error_line
from kiosk.config import load_config
from ui.voice.cache import VoiceCache
from ui.voice.synth import SynthesisError, Voices
from ui.voice.words import Words


def build(cache: VoiceCache, voices: Voices, words: Words, timeout: float,
          languages: set[str] | None = None) -> tuple[int, int, int, set[str]]:
    """(made, already cached, failed, languages without a voice)."""
    made = cached = failed = 0
    unspoken: set[str] = set()
    for language, key, text in words.fixed():
        if languages and language not in languages:
            continue
        chosen = voices.for_language(language)
        if chosen is None:
            unspoken.add(language)
            continue
        synthesizer, voice = chosen
        if cache.lookup(synthesizer, voice, text) is not None:
            cached += 1
            continue
        try:
            cache.get(synthesizer, voice, text, timeout)
            made += 1
        except (SynthesisError, OSError) as exc:
            failed += 1
            print(f"not made: {language} {key}: {exc if isinstance(exc, SynthesisError) else type(exc).__name__}",
                  file=sys.stderr)
    return made, cached, failed, unspoken


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, help="the kiosk's config (default: $KIOSK_CONFIG or assets/kiosk.toml)")
    parser.add_argument("--language", action="append", help="only this language (repeatable)")
    args = parser.parse_args(argv)
    voices = Voices()
    start = time.perf_counter()
    try:
        config = load_config(args.config)
        root = config.data_dir / "voice"
        made, cached, failed, unspoken = build(VoiceCache(root), voices, Words(), config.voice.synth_timeout,
                                               set(args.language) if args.language else None)
    except Exception as exc:
        line = input_error_line(exc)  # a bad config, a full or read-only disk: one line, as every kiosk command
        if line is None:
            raise
        print(line, file=sys.stderr)
        return 2
    finally:
        voices.close()
    print(f"voice cache {root}: {made} made, {cached} already there, {failed} failed "
          f"in {time.perf_counter() - start:.1f} s")
    if unspoken:
        print(f"no synthesizer here speaks: {', '.join(sorted(unspoken))}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
