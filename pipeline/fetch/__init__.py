"""The one HTTP client (client.py: politeness, robots.txt, deadlines, caching, retries) and the
decoding of what it fetches (decode.py: bytes → text, GBK pages as GB18030).

Nothing is re-exported here: a page-parsing worker imports decode.py and must not load the
HTTP transport (libcurl, OpenSSL) that client.py brings."""
