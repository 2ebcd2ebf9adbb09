"""Settings: environment variables with safe defaults, overridable by instance/config.py."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEMO_CATALOG = Path(__file__).resolve().parent / "demo_catalog.json"


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise RuntimeError(f"{name} must be a whole number, got {raw!r}") from exc


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise RuntimeError(f"{name} must be a number such as 0.5, got {raw!r}") from exc
    if value != value or value in (float("inf"), float("-inf")):  # nan/inf parse as floats
        raise RuntimeError(f"{name} must be a finite number, got {raw!r}")
    return value


def _env_bool(name: str) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if raw in ("", "0", "false", "no", "off"):
        return False
    if raw in ("1", "true", "yes", "on"):
        return True
    raise RuntimeError(f"{name} must be 1 or 0, got {raw!r}")


def instance_secret_key(instance_path: str) -> str:
    """A random key kept in the instance folder, so sessions survive restarts.

    Used only when SECRET_KEY is not set: there is never a built-in key to leak.
    """
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


class Config:
    """Production-ready defaults; every value can come from the environment."""

    TESTING = False
    SECRET_KEY: str | None = os.environ.get("SECRET_KEY") or None
    # None means "instance/khiu.db", resolved in create_app once the instance path is known.
    SQLALCHEMY_DATABASE_URI: str | None = os.environ.get("DATABASE_URL") or None
    # The largest request body read (413 past it): a catalog file upload (5 MB) and its form.
    MAX_CONTENT_LENGTH = 6 * 1024 * 1024
    PRINTER_URL = os.environ.get("PRINTER_URL", "preview")
    # Where PRINTER_URL=preview writes tickets (PNG + ESC/POS .bin); default instance/printouts.
    PRINT_PREVIEW_DIR = os.environ.get("PRINT_PREVIEW_DIR", "")
    OFFICE_CODE = os.environ.get("OFFICE_CODE", "DEMO")
    OFFICE_NAME = os.environ.get("OFFICE_NAME", "สำนักงานเขตตัวอย่าง")
    OFFICE_NAME_EN = os.environ.get("OFFICE_NAME_EN", "Demo District Office")
    BMA_OSS_URL = os.environ.get("BMA_OSS_URL", "")
    PUBLIC_URL = os.environ.get("PUBLIC_URL", "")
    OPENING_HOURS = os.environ.get("OPENING_HOURS", "mon-fri 08:00-16:00")
    # Where tickets may be taken from (web/issuers.py): this machine and private networks.
    TICKET_NETWORKS = os.environ.get(
        "TICKET_NETWORKS", "127.0.0.0/8, ::1, 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, "
        "fc00::/7, fe80::/10")
    # Priority tickets called in a row before a waiting normal ticket gets its turn.
    PRIORITY_RATIO = _env_int("PRIORITY_RATIO", 2)
    KIOSK_IDLE_SECONDS = _env_int("KIOSK_IDLE_SECONDS", 90)
    SIGNAGE_INTERVAL_SECONDS = _env_int("SIGNAGE_INTERVAL_SECONDS", 15)
    SERVER_THREADS = _env_int("SERVER_THREADS", 64)
    # Processes serving the same port; 4 suit the two cores of a small office server.
    SERVER_WORKERS = _env_int("SERVER_WORKERS", 1)
    # Requests a worker runs at once (0: no limit), and how long one waits for its turn
    # before it runs anyway (cli/admission.py).
    SERVER_REQUESTS_AT_ONCE = _env_int("SERVER_REQUESTS_AT_ONCE", 1)
    SERVER_QUEUE_WAIT_MS = _env_int("SERVER_QUEUE_WAIT_MS", 100)
    NODE_MODULES = os.environ.get("NODE_MODULES", str(PROJECT_ROOT / "node_modules"))
    # Shown on every manual (ITA E9): (Thai, English).
    COMPLAINT_CHANNELS = [
        ("ฝ่ายปกครอง สำนักงานเขต (ยื่นเรื่องด้วยตนเอง)",
         "Administration Section of the district office (in person)"),
        ("สายด่วนกรุงเทพมหานคร 1555", "Bangkok hotline 1555"),
        ("Traffy Fondue (ทราฟฟี่ฟองดูว์)", "Traffy Fondue app"),
        ("ศูนย์รับเรื่องราวร้องทุกข์ของรัฐบาล 1111", "Government Complaint Center 1111"),
    ]
    # A closed complaint's contact details (phone, e-mail) are erased this many days after it
    # was closed: they are given only to be answered (PDPA; models/complaint_privacy.py).
    COMPLAINT_CONTACT_DAYS = _env_int("COMPLAINT_CONTACT_DAYS", 90)
    # A finished visit may be rated for this many hours.
    RATING_WINDOW_HOURS = _env_int("RATING_WINDOW_HOURS", 24)
    # A ticket number typed at /rate/ finds only a visit finished this recently: numbers are
    # sequential and on the board, so older visits are reached by their QR (token) only.
    RATING_BY_NUMBER_MINUTES = _env_int("RATING_BY_NUMBER_MINUTES", 30)
    # Unhappy-run alert: at least this share of at least this many ratings in this window.
    ALERT_WINDOW_MINUTES = _env_int("ALERT_WINDOW_MINUTES", 15)
    ALERT_MIN_RATINGS = _env_int("ALERT_MIN_RATINGS", 4)
    ALERT_UNHAPPY_SHARE = _env_float("ALERT_UNHAPPY_SHARE", 0.5)
    # Staff with fewer ratings than this in a report's range are shown, not ranked.
    MIN_RATINGS_TO_COMPARE = _env_int("MIN_RATINGS_TO_COMPARE", 10)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # Set when the server is reached over HTTPS: the browser then never sends the cookie in clear.
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE")
    # An instance for the kiosk touchscreen: every staff page and staff API route answers 404.
    KIOSK_MODE = _env_bool("KIOSK_MODE")
    WTF_CSRF_TIME_LIMIT = None


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-only-secret"
    OFFICE_CODE = "TEST"
    OPENING_HOURS = "always"
    BMA_OSS_URL = "https://oss.example.test/"
    KIOSK_MODE = False
    SESSION_COOKIE_SECURE = False
