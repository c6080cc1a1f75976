"""The `terakoya` console command: Django's management commands under one name.

    terakoya --help | -h | help          the public commands, one line each
    terakoya help COMMAND                that command's options
    terakoya --version                   the installed version
    terakoya COMMAND [options]           run | worker | demo | createworkspace | … or any
                                         other manage.py command

The help and the version need no configuration; every other command needs the settings
(`SECRET_KEY` unless `TERAKOYA_DEBUG=1`), and a missing one is a one-line error, not a traceback.
"""

from __future__ import annotations

import os
import sys

PROG = "terakoya"

# Public name → management command. `terakoya run` reads better than `terakoya run_terakoya`.
ALIASES = {"run": "run_terakoya", "import-contacts": "import_contacts"}

# The commands an operator needs, in the order they are usually met, with one line each.
PUBLIC_COMMANDS: list[tuple[str, str]] = [
    ("run", "serve the web app with a background worker beside it (development)"),
    ("worker", "run the background worker with the periodic scheduler"),
    ("demo", "create (or reuse) the demo workspace and print its logins"),
    ("createworkspace", "create a workspace and its owner"),
    ("import-contacts", "import contacts from a CSV file into a workspace"),
    ("migrate", "create or update the database tables"),
    ("collectstatic", "collect static files for production"),
    ("compile-translations", "compile the .po translation catalogs"),
    ("check", "check the configuration (add --deploy for production)"),
    ("changepassword", "change a staff user's password"),
]


def command_name(public: str) -> str:
    """The management command behind a public name (`import-contacts` → `import_contacts`)."""
    return ALIASES.get(public, public).replace("-", "_")


def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    try:
        return dist_version("terakoya")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "0+unknown"


def usage() -> str:
    width = max(len(name) for name, _ in PUBLIC_COMMANDS)
    lines = [
        f"usage: {PROG} COMMAND [options]",
        "",
        "Terakoya: courses, communities and memberships, self-hosted.",
        "",
        "Commands:",
        *(f"  {name.ljust(width)}  {text}" for name, text in PUBLIC_COMMANDS),
        "",
        f"  {PROG} help COMMAND    options of one command",
        f"  {PROG} help --all      every management command (Django's and the apps')",
        f"  {PROG} --version       the installed version",
        "",
        "Configuration is read from environment variables (see README.md, Configuration);",
        "SECRET_KEY is required unless TERAKOYA_DEBUG=1.",
    ]
    return "\n".join(lines) + "\n"


def _config_error(exc: Exception) -> int:
    message = " ".join(str(exc).split())
    sys.stderr.write(f"{PROG}: {message}\n")
    return 2


def _setup(*, help_only: bool = False) -> int:
    """Load the settings and the apps; a configuration error is one line on stderr."""
    from django.core.exceptions import ImproperlyConfigured

    if help_only and not os.environ.get("SECRET_KEY"):
        # Printing a command's options signs nothing; a throwaway key lets the help work on a
        # machine that is not configured yet.
        os.environ["SECRET_KEY"] = "terakoya-help-only-" + os.urandom(16).hex()
    try:
        import django

        django.setup()
    except ImproperlyConfigured as exc:
        return _config_error(exc)
    return 0


def _help(args: list[str]) -> int:
    if not args:
        sys.stdout.write(usage())
        return 0
    if args[0] == "--all":
        if status := _setup(help_only=True):
            return status
        from django.core.management import execute_from_command_line

        execute_from_command_line([PROG, "help"])
        return 0
    public = args[0]
    if status := _setup(help_only=True):
        return status
    from django.core.management import get_commands, load_command_class

    name = command_name(public)
    app = get_commands().get(name)
    if app is None:
        sys.stderr.write(f"{PROG}: unknown command {public!r}; `{PROG} --help` lists them.\n")
        return 2
    command = app if not isinstance(app, str) else load_command_class(app, name)
    command.print_help(PROG, public)
    return 0


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "terakoya.settings")
    argv = list(sys.argv if argv is None else argv)
    args = argv[1:]
    if not args or args[0] in {"-h", "--help"}:
        sys.stdout.write(usage())
        return 0
    if args[0] == "help":
        return _help(args[1:])
    if args[0] == "--version":
        sys.stdout.write(f"{PROG} {version()}\n")
        return 0
    if args[1:2] in (["-h"], ["--help"]):
        return _help(args[:1])
    if status := _setup():
        return status
    from django.core.management import execute_from_command_line

    execute_from_command_line([PROG, command_name(args[0]), *args[1:]])
    return 0


if __name__ == "__main__":
    sys.exit(main())
