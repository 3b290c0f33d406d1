"""A throwaway Dovecot (Debian's ``dovecot-imapd``) on a loopback port: its own configuration,
a passwd-file user and maildirs in a temporary directory, stopped when the tests end.
``./scripts/test`` installs Dovecot as root when it is missing (scripts/_mailserver.sh)."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tests.foundation.helpers import free_port

DOVECOT = "/usr/sbin/dovecot"
USER, PASSWORD = "desk", "s3cret"

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_internal_group = {internal_group}
default_login_user = {login}
first_valid_uid = {uid}
last_valid_uid = {uid}
mail_location = maildir:{root}/mail/%u
# A throwaway server: no fsync per delivered message (1,000 APPENDs in a test).
mail_fsync = never
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


@dataclass
class Dovecot:
    port: int
    root: Path
    process: subprocess.Popen

    @property
    def url(self) -> str:
        return f"imap://{USER}:{PASSWORD}@127.0.0.1:{self.port}/INBOX"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.root, ignore_errors=True)


def start() -> Dovecot:
    """Raises RuntimeError (with Dovecot's log) when it cannot start."""
    root = Path(tempfile.mkdtemp(prefix="pd-dovecot-"))
    os.chmod(root, 0o755)
    # Dovecot never gives mail to root: as root, the mail belongs to Debian's "dovecot" user.
    owner = pwd.getpwnam("dovecot") if os.geteuid() == 0 else pwd.getpwuid(os.geteuid())
    login = "dovenull" if os.geteuid() == 0 else owner.pw_name
    (root / "mail").mkdir()
    os.chown(root / "mail", owner.pw_uid, owner.pw_gid)
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
    port = free_port()
    (root / "dovecot.conf").write_text(CONFIG.format(
        root=root, port=port, uid=owner.pw_uid, gid=owner.pw_gid, internal=owner.pw_name,
        internal_group=_group(owner.pw_gid), login=login))
    process = subprocess.Popen([DOVECOT, "-F", "-c", str(root / "dovecot.conf")],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    server = Dovecot(port=port, root=root, process=process)
    if not _answers(port, process):
        out = process.stdout.read().decode(errors="replace") if process.poll() is not None else ""
        log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
        server.stop()
        raise RuntimeError(f"Dovecot did not start on 127.0.0.1:{port}: {out}{log}")
    return server


def _answers(port: int, process: subprocess.Popen, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
                if conn.recv(100).startswith(b"* OK"):
                    return True
        except OSError:
            time.sleep(0.1)
    return False




def _group(gid: int) -> str:
    import grp

    return grp.getgrgid(gid).gr_name
