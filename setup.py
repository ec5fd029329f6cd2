"""The package list, which pyproject.toml cannot spell: `packages.find` never yields faceitbot.sql,
the migrations kept at the checkout's top level as sql/ (see package-dir there), so the wheel and the
image would start without a schema. faceitbot_sim, the simulators, stays out of the wheel."""

from setuptools import find_packages, setup

setup(packages=[*find_packages(include=["faceitbot", "faceitbot.*"]), "faceitbot.sql"])
