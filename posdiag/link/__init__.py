"""Byte pipes to devices: serial ports (pyserial URLs), TCP sockets, and port strings.

A link only moves bytes with timeouts; protocols (framing, ACK/NAK, dialogs) live
in the drivers. See ``ports.parse_port`` for the PORT grammar of the CLI.
"""
