"""Socket helpers for test servers that misbehave."""

from __future__ import annotations

import socket
import struct


def no_linger(sock: socket.socket) -> None:
    """Make closing `sock` reset the connection (an RST) instead of ending it with a FIN.

    Only the last copy's close counts: a process forked with a copy of the socket keeps it
    open, and then nothing is sent.
    """
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
