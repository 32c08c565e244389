"""Render each revision of an Alembic project as SQL, offline.

Usage: python3 alembic_render.py CONFIG_OR_VERSIONS_DIR DIALECT

CONFIG_OR_VERSIONS_DIR is an alembic.ini (its [alembic] section is read
by Alembic itself) or a folder of revision files. DIALECT is a SQLAlchemy
dialect name (postgresql, sqlite, mysql). Each revision's upgrade() and
downgrade() run one at a time under a MigrationContext in as_sql mode, the
way `alembic upgrade --sql` renders them, with no database. A revision that
cannot render offline is reported with its error and source.

Writes one JSON object to stdout: {"alembic": VERSION, "revisions": [...]}.
"""

import io
import json
import os
import re
import sys
import traceback


def as_list(value):
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [v for v in value]


def offline_only(source):
    """Names what in source reads the database or branches on the mode."""
    found = []
    for pattern, what in (
        (r"\bget_bind\s*\(", "op.get_bind()"),
        (r"\bis_offline_mode\s*\(", "context.is_offline_mode()"),
    ):
        if re.search(pattern, source):
            found.append(what)
    return found


def render(fn, dialect):
    from alembic.operations import Operations
    from alembic.runtime.migration import MigrationContext

    buf = io.StringIO()
    ctx = MigrationContext.configure(
        dialect_name=dialect,
        opts={"as_sql": True, "output_buffer": buf, "literal_binds": True},
    )
    with Operations.context(ctx):
        fn()
    return buf.getvalue()


def main():
    target, dialect = sys.argv[1], sys.argv[2]
    import alembic
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    if os.path.isdir(target):
        cfg = Config()
        cfg.set_main_option("script_location", os.path.dirname(os.path.abspath(target)))
        cfg.set_main_option("version_locations", os.path.abspath(target))
    else:
        cfg = Config(target)
    scripts = ScriptDirectory.from_config(cfg)
    out = []
    # walk_revisions goes from the heads down; the caller orders by graph.
    for sc in scripts.walk_revisions(base="base", head="heads"):
        mod = sc.module
        with open(sc.path, encoding="utf-8") as f:
            source = f.read()
        doc = mod.__doc__ or ""
        created = re.search(r"^Create Date:\s*(.+)$", doc, re.M)
        rev = {
            "revision": mod.revision,
            "down_revision": as_list(getattr(mod, "down_revision", None)),
            "branch_labels": sorted(as_list(getattr(mod, "branch_labels", None))),
            "depends_on": as_list(getattr(mod, "depends_on", None)),
            "message": sc.doc or "",
            "create_date": created.group(1).strip() if created else "",
            "path": os.path.relpath(sc.path),
            "upgrade_sql": "",
            "downgrade_sql": "",
            "upgrade_error": "",
            "downgrade_error": "",
            "source": "",
        }
        reasons = offline_only(source)
        for name in ("upgrade", "downgrade"):
            if reasons:
                rev[name + "_error"] = "reads the database or branches on offline mode: " + ", ".join(reasons)
                continue
            fn = getattr(mod, name, None)
            if fn is None:
                continue
            try:
                rev[name + "_sql"] = render(fn, dialect)
            except Exception as e:  # this direction cannot render offline
                frames = traceback.extract_tb(e.__traceback__)
                last = frames[-1]
                for fr in reversed(frames):
                    if os.path.abspath(fr.filename) == os.path.abspath(sc.path):
                        last = fr
                        break
                rev[name + "_error"] = "%s() cannot render offline: %s: %s (%s:%d)" % (
                    name, type(e).__name__, str(e).splitlines()[0] if str(e) else "",
                    os.path.basename(last.filename), last.lineno)
        if rev["upgrade_error"] or rev["downgrade_error"]:
            rev["source"] = source
        out.append(rev)
    json.dump({"alembic": alembic.__version__, "revisions": out}, sys.stdout)


if __name__ == "__main__":
    main()
