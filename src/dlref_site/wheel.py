"""The library as the wheel a reader installs: the very ``dlref`` the site's pages ran with.

Its files and the installed distribution's metadata, zipped with fixed timestamps (one source, one
wheel, byte for byte). The build serves it at ``downloads/``; page notebooks say how to install it.

Examples:
    >>> import zipfile, io
    >>> name, data = build()
    >>> name.endswith("-py3-none-any.whl"), "dlref/device.py" in zipfile.ZipFile(io.BytesIO(data)).namelist()
    (True, True)
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import importlib.util
import io
import zipfile
from pathlib import Path

__all__ = ["build"]

_EPOCH = (2020, 1, 1, 0, 0, 0)


def build(package: str = "dlref") -> tuple[str, bytes]:
    """``(file name, bytes)`` of the wheel of the importable ``package``, as installed (its version
    and dependencies from its distribution's metadata; only the library, not this machinery)."""
    meta = importlib.metadata.metadata(package)
    name, version = meta["Name"], meta["Version"]
    info = f"{name}-{version}.dist-info"
    metadata = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}", f"Summary: {meta['Summary']}"]
    metadata += [f"Requires-Python: {meta['Requires-Python']}"]
    metadata += [f"Requires-Dist: {d}" for d in meta.get_all("Requires-Dist") or [] if "extra ==" not in d]
    folder = Path(importlib.util.find_spec(package).submodule_search_locations[0])
    files = {path.relative_to(folder.parent).as_posix(): path.read_bytes() for path in sorted(folder.rglob("*.py"))}
    files[f"{info}/METADATA"] = ("\n".join(metadata) + "\n").encode()
    files[f"{info}/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: dlref_site\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    record = [f"{path},sha256={_digest(data)},{len(data)}" for path, data in files.items()]
    files[f"{info}/RECORD"] = ("\n".join([*record, f"{info}/RECORD,,"]) + "\n").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in files.items():
            entry = zipfile.ZipInfo(path, date_time=_EPOCH)
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, data, zipfile.ZIP_DEFLATED)
    return f"{name}-{version}-py3-none-any.whl", out.getvalue()


def _digest(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
