#!/usr/bin/env python3
"""mamba_ssm peer (the reference Mamba-2 LM's Triton kernels) for `mambascope compare`.

Not implemented beyond the import check: mamba_ssm is not installed on the project's GPU host. Point
PYTHONPATH at a source checkout of state-spaces/mamba (its Triton kernels run from source) to use it; until a
runner exists this script says what is missing and exits non-zero, so a sweep that calls it records no rows.
"""
import sys


def main():
    try:
        import mamba_ssm  # noqa: F401
    except ImportError as e:
        print(f"mamba_ssm peer: MISSING - mamba_ssm is not importable ({e}). Install it or put a source checkout of "
              "state-spaces/mamba on PYTHONPATH; no mamba_ssm rows were written.", file=sys.stderr)
        return 2
    print("mamba_ssm peer: mamba_ssm is importable, but this runner does not time it yet (issue 7).", file=sys.stderr)
    return 3


if __name__ == "__main__":
    sys.exit(main())
