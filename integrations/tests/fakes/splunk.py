"""Splunk HTTP Event Collector: /services/collector/event with `Authorization: Splunk <token>`."""

import json

from .server import FakeVendor, Reply


class FakeSplunk(FakeVendor):
    def __init__(self, *, token="hec-token"):
        super().__init__()
        self.token = token
        self.events = []

    def route(self, request):
        header = request.headers.get("authorization", "")
        if not header:
            return Reply(401, {"text": "Token is required", "code": 2})
        if not header.startswith("Splunk "):
            return Reply(401, {"text": "Invalid authorization", "code": 3})
        if header[7:] != self.token:
            return Reply(403, {"text": "Invalid token", "code": 4})
        if request.method == "POST" and request.path == "/services/collector/event":
            text = request.body.decode().strip()
            if not text:
                return Reply(400, {"text": "No data", "code": 5})
            decoder, index, events = json.JSONDecoder(), 0, []
            try:
                while index < len(text):
                    event, end = decoder.raw_decode(text, index)
                    if "event" not in event:
                        return Reply(
                            400, {"text": "Event field is required", "code": 12, "invalid-event-number": len(events)}
                        )
                    events.append(event)
                    index = end
                    while index < len(text) and text[index].isspace():
                        index += 1
            except ValueError:
                return Reply(400, {"text": "Invalid data format", "code": 6, "invalid-event-number": len(events)})
            self.events.extend(events)
            return Reply(200, {"text": "Success", "code": 0})
        return Reply(404, {"text": "The requested URL was not found on this server.", "code": 404})
