"""Choices a municipality makes about how its certificates look (from the renderer's options)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LayoutStyle:
    per_person_juminhyo: bool = False  # 個票式 instead of the household list (連記式)
