"""The registry on the center's engine answers exactly as the SQLite registry on the demo population."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from center.registry.demo_loader import load_demo_population
from center.storage import RegistryNotEmpty, SqlRegistry, load_demo

DEMO_JSON = Path(__file__).resolve().parents[2] / "assets" / "demo" / "residents.json"
CERT_A, CERT_B, CERT_C = "ab" * 32, "cd" * 32, "ef" * 32


@pytest.fixture(scope="module")
def population():
    return load_demo_population(DEMO_JSON)


@pytest.fixture
def registry(engine, population) -> SqlRegistry:
    assert load_demo(engine, population) == len(population.residents)
    return SqlRegistry(engine)


def test_loading_twice_needs_replace(engine, registry, population):
    registry.link_certificate(CERT_A, population.residents[0].resident_ref)
    with pytest.raises(RegistryNotEmpty):
        load_demo(engine, population)
    load_demo(engine, population, replace=True, links=[(CERT_B, population.residents[1].resident_ref)])
    assert registry.resident_for_certificate(CERT_A) is None  # links start again (load_demo with replace)
    assert registry.resident_for_certificate(CERT_B) == population.residents[1].resident_ref


def test_the_optional_cache_serves_reads_for_its_time(engine, registry, population):
    cached = SqlRegistry(engine, cache_seconds=60)
    first = population.residents[0]
    assert cached.resident(first.resident_ref) is cached.resident(first.resident_ref)  # read once
    assert cached.household(first.household_id) is cached.household(first.household_id)
    renamed = dataclasses.replace(first, name=dataclasses.replace(first.name, given="改名"))
    load_demo(engine, dataclasses.replace(population, residents=(renamed, *population.residents[1:])), replace=True)
    assert registry.resident(first.resident_ref).name.given == "改名"  # uncached: at once
    assert cached.resident(first.resident_ref).name == first.name  # cached: until its time is up
    cached.forget_cached()
    assert cached.resident(first.resident_ref).name.given == "改名"
