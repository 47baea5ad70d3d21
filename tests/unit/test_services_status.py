"""`./asist status` shows each running service's resident memory (issue #14, goal ≤ 150 MB)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from deploy.services import STATE_FILE, resident_mib, services_status
from deploy.stack import save_json_state
from tests.conftest import free_port


def test_resident_size_of_a_process_in_mib() -> None:
    own = resident_mib(os.getpid())
    assert own is not None and 5 < own < 4096
    assert resident_mib(2**22 + 12345) is None  # no such process


def test_status_names_the_rss_of_a_running_service(tmp_path: Path) -> None:
    # A stand-in whose command line names the service, as `python -m services.intake` does.
    stand_in = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(30)", "services.intake"]
    )
    try:
        save_json_state(
            tmp_path / STATE_FILE, {"intake": {"pid": stand_in.pid, "port": free_port()}}
        )
        lines = dict(services_status(tmp_path))
    finally:
        stand_in.kill()
        stand_in.wait()
    assert lines["decisions"] == "stopped"
    assert f"(pid {stand_in.pid}, RSS " in lines["intake"] and " MiB)" in lines["intake"]
