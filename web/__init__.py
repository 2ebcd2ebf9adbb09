"""Presentation helpers shared by the kiosk and staff pages: language, Thai time, QR, assets."""
