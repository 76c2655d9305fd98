"""The embedded mode's folder broker: kombu's filesystem transport, writing messages atomically.

kombu creates a message file in the queue folder and then writes it, so a worker polling
the folder can take the file before its bytes are in and die on empty JSON ("Unrecoverable
error: JSONDecodeError"). With beat sending a task every few seconds that ended `make run`
within a minute. Here a message is written in a staging folder beside the queue folder, on
the same filesystem, and renamed in: a reader sees it whole or not at all.
"""

import os
import uuid
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        # kombu's own name: the reader orders by the leading milliseconds and matches the queue.
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        staging = os.path.join(self.transport_options["staging_folder"], name)
        try:
            with open(staging, "wb") as handle:
                handle.write(str_to_bytes(dumps(payload)))
            os.replace(staging, os.path.join(self.data_folder_out, name))
        except OSError as exc:
            raise ChannelError(f"Cannot add file {name!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel
