"""Management for admins: catalog, counters, staff, opening hours, catalog file, audit log.

One parent blueprint at /staff/manage; every route below it is admin-only (admin.auth) and every
change is written to the audit log in the same transaction (models.audit).
"""

from flask import Blueprint, redirect, url_for

from admin.auth import role_required
from admin.manage import audit, catalog, catalog_file, counters, hours, items, services, staff
from models import Role

bp = Blueprint("manage", __name__, url_prefix="/staff/manage")
for child in (catalog, services, items, counters, staff, hours, catalog_file, audit):
    bp.register_blueprint(child.bp)


@bp.get("/")
@role_required(Role.ADMIN)
def home():
    return redirect(url_for("manage.catalog.index"))
