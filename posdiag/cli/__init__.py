"""The `posdiag` command line.

Commands live in their own modules and are imported only when invoked, so
`posdiag --version` loads neither drivers, crypto nor pyusb. Every command
module exposes one click command (or group) named in ``COMMANDS``.
"""

from __future__ import annotations

import importlib
import os
import select
import sys
from typing import Any

import click

from posdiag import __version__
from posdiag.cli.help import VERSION_OPTION_HELP, Group, route_click_messages
from posdiag.cli.options import add_global_options, debug_option, lang_option
from posdiag.i18n import _, language_from_environment, set_language

# name -> "module:attribute"; order is the order shown by --help.
COMMANDS: dict[str, str] = {
    "devices": "posdiag.cli.devices:devices",
    "info": "posdiag.cli.info:info",
    "backup": "posdiag.cli.backup:backup",
    "verify": "posdiag.cli.backup:verify",
    "inspect": "posdiag.cli.backup:inspect",
    "decrypt": "posdiag.cli.age:decrypt",
    "keygen": "posdiag.cli.age:keygen",
    "test": "posdiag.cli.test:test",
    "simulate": "posdiag.cli.simulate:simulate",
    "demo": "posdiag.cli.demo:demo",
    "report": "posdiag.cli.report:report",
    "zvt": "posdiag.cli.zvt:zvt",
    "kit": "posdiag.cli.kit:kit",
    "case": "posdiag.cli.case:case",
}


class LazyGroup(Group):
    """A group whose sub-commands are imported on first use (help in the chosen language)."""

    def __init__(self, *args: Any, lazy: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = lazy

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.lazy) + sorted(super().list_commands(ctx))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = self.lazy.get(cmd_name)
        if target is None:
            return super().get_command(ctx, cmd_name)
        module_name, attr = target.split(":")
        command: click.Command = getattr(importlib.import_module(module_name), attr)
        add_global_options(command)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        # Click turns a broken pipe into exit 1; a reader that stopped reading (`| head`) is
        # not a failure, so it ends quietly with 0, as `git log | head` does.
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            if not stdout_closed():
                raise
            raise PipeClosed from None

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        from posdiag.errors import EXIT_CODES
        from posdiag.i18n import _

        formatter.write_paragraph()
        formatter.write_text(_("Exit codes:"))
        with formatter.indentation():
            formatter.write_dl([(str(code), _(meaning)) for code, meaning in EXIT_CODES.items()])


# Click's own messages (usage errors, "Options") in the language chosen for the run.
route_click_messages()


class PipeClosed(Exception):
    """stdout's reader went away; not an OSError, so that click passes it on to main()."""


def stdout_closed() -> bool:
    """True when standard output is a pipe or socket whose reader has gone (POLLERR)."""
    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(events & (select.POLLERR | select.POLLHUP) for _fd, events in poller.poll(0))
    except (AttributeError, ValueError, OSError):
        return False


def _quiet_stdout() -> None:
    """Point fd 1 at /dev/null so that the interpreter's last flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (AttributeError, ValueError, OSError):
        pass


@click.group(
    cls=LazyGroup,
    lazy=COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, "--version", prog_name="posdiag", help=VERSION_OPTION_HELP)
@debug_option
@lang_option
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Back up, verify and acceptance-test payment terminals.

    \b
    Examples:
      posdiag info --port /dev/ttyACM0
      posdiag backup --port sim --to /media/stick -r age1...
      posdiag demo
    """
    ctx.ensure_object(dict)


def main(argv: list[str] | None = None) -> None:
    """Console entry point: run the CLI, turning posdiag errors into one stderr line.

    Everything the command writes to stdout and stderr as text passes the card-number mask
    and the control-character escape (posdiag.cli.streams), tracebacks under --debug too.
    """
    from posdiag.cli.streams import masked_std_streams

    args = sys.argv[1:] if argv is None else argv
    with masked_std_streams():
        code = _run(args)
    sys.exit(code)


def _run(args: list[str]) -> int:
    """The command's exit code; every way out of a command ends here as a number."""
    # Imported here so that --version stays free of it (errors imports nothing heavy anyway).
    from posdiag.errors import EXIT_INTERRUPTED, EXIT_OK, PosdiagError

    debug = "--debug" in args
    # The language is chosen before any command module is imported, so that help texts
    # made at import time are already in it; --lang may stand anywhere on the line.
    set_language(_lang_in(args) or language_from_environment())
    try:
        # standalone_mode=False returns ctx.exit()'s code; commands themselves return None.
        code = cli.main(args=args, prog_name="posdiag", standalone_mode=False)
    except PosdiagError as err:
        if debug:
            return _traceback(err.exit_code)
        _say(str(err))  # messages may quote what a device or a medium sent
        return err.exit_code
    except PipeClosed:
        _quiet_stdout()
        return EXIT_OK
    except click.exceptions.Abort:
        # Click's name for Ctrl-C during its own prompts and for KeyboardInterrupt.
        _say(_interrupted())
        return EXIT_INTERRUPTED
    except click.ClickException as err:
        err.show()
        return 2 if isinstance(err, click.UsageError) else err.exit_code
    except click.exceptions.Exit as err:
        return err.exit_code
    except KeyboardInterrupt:
        _say(_interrupted())
        return EXIT_INTERRUPTED
    except OSError as err:
        if debug:
            return _traceback(4)
        # Unexpected OS failures are most often the medium or the device; say which file.
        if getattr(err, "filename", None):
            _say(_("{error} ({filename}); check the device or medium and retry.").format(
                error=err.strerror or err, filename=err.filename))
        else:
            _say(_("{error}; check the device or medium and retry.").format(
                error=err.strerror or err))
        return 4
    except Exception as err:  # a bug: still masked, still one line
        if debug:
            return _traceback(1)
        _say(_("internal error ({kind}: {error}); run the command again with --debug and "
               "report what it shows.").format(kind=type(err).__name__, error=err))
        return 1
    try:  # what is still buffered; a reader gone by now is the same quiet end
        sys.stdout.flush()
    except BrokenPipeError:
        _quiet_stdout()
        return EXIT_OK
    return code if isinstance(code, int) else 0


def _say(message: str) -> None:
    """One error line on stderr: masked, and control characters from outside escaped."""
    from posdiag.cards import mask_text
    from posdiag.display import untrusted

    click.echo(_("posdiag: {message}").format(message=untrusted(mask_text(message))), err=True)


def _traceback(code: int) -> int:
    """--debug: the traceback, written through the masked stderr (never raw)."""
    import traceback

    traceback.print_exc(file=sys.stderr)
    return code


def _interrupted() -> str:
    return _("interrupted.")


def _lang_in(args: list[str]) -> str | None:
    """The value of the last --lang on the command line, if any."""
    found: str | None = None
    for index, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--lang" and index + 1 < len(args):
            found = args[index + 1]
        elif arg.startswith("--lang="):
            found = arg.partition("=")[2]
    return found
