"""A fresh machine for install tests: a clean copy of the project and an empty virtualenv.

The venv sees the packages this interpreter already has (its site-packages are listed in a
``.pth`` file), so installing Callboard into it downloads nothing but pip's build backend,
yet Callboard itself comes only from what is installed into the venv: the repository is not on
its path, and the ``.pth`` files of those site-packages (this checkout's editable install) are
not run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).parents[1]


def copy_project(dest: Path) -> Path:
    """The files git would check out (tracked or new, not ignored), without build leftovers."""
    files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"],
                           cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    for name in files:
        if (ROOT / name).is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, dest / name)
    return dest


def fresh_venv(env_dir: Path) -> dict[str, str]:
    """Create a venv that borrows this interpreter's installed packages; return its environment."""
    venv.create(env_dir, with_pip=True)
    purelib = subprocess.run(
        [str(env_dir / "bin" / "python"), "-c",
         "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True).stdout.strip()
    borrowed = [p for p in sys.path if Path(p).name in ("site-packages", "dist-packages")]
    Path(purelib, "_borrowed_site_packages.pth").write_text("\n".join(borrowed) + "\n")
    env = {**os.environ, "PATH": f"{env_dir / 'bin'}{os.pathsep}{os.environ['PATH']}",
           "VIRTUAL_ENV": str(env_dir), "NO_COLOR": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    for name in ("PYTHONPATH", "CALLBOARD_MANIFESTS", "CALLBOARD_STATE"):
        env.pop(name, None)
    return env
