"""``python -m benchmarks``: every benchmark, one after the other."""

from __future__ import annotations

import importlib

#: benchmark modules, each with a ``main()`` that prints its figures
MODULES = (
    "benchmarks.model_bench",
    "benchmarks.intervention_bench",
    "benchmarks.ensemble_bench",
    "benchmarks.calibration_bench",
    "benchmarks.pairing_bench",
    "benchmarks.scale_bench",
)


def main() -> None:
    for name in MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:
                raise
            print(f"({name} not present yet)")
            continue
        print(f"== {name}")
        module.main()
        print()


if __name__ == "__main__":
    main()
