"""The one HTTP client (client.py: robots.txt, deadlines, caching, retries, redirects), its
politeness toward hosts (politeness.py: per-host slots, Retry-After, the allowed hosts), libcurl's
side of a request (curl.py: one exchange's bytes, failures in words, the trust store) and the
decoding of what it fetches (decode.py: bytes → text, GBK pages as GB18030).

Nothing is re-exported here: a page-parsing worker imports decode.py and must not load the
HTTP transport (libcurl, OpenSSL) that client.py brings."""
