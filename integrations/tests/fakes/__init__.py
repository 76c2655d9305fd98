"""Real HTTP servers on 127.0.0.1 that answer like the vendors' documented APIs.

Each reproduces its vendor's paths, auth headers, paging and error bodies, records every
request it got, and can be told to fail the next N requests (5xx, 429, timeouts).
"""
