#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora (corpus/<target>/), small inputs that reach each target's
interesting paths: a valid Ogg Opus file and damaged ones, a request of every JSON route, a change
page and a USB export, both config files, a valid bag and damaged ones. Run it again after
changing an input format; the files it writes are committed."""
import hashlib
import json
import os
import shutil
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")


def put(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# ---- ogg: option byte + file ----

def crc_table():
    t = []
    for i in range(256):
        r = i << 24
        for _ in range(8):
            r = ((r << 1) ^ 0x04C11DB7) if r & 0x80000000 else (r << 1)
            r &= 0xFFFFFFFF
        t.append(r)
    return t


CRC = crc_table()


def ogg_crc(b):
    c = 0
    for x in b:
        c = ((c << 8) & 0xFFFFFFFF) ^ CRC[((c >> 24) ^ x) & 0xFF]
    return c


def page(body_packets, flags, granule, serial, seqno, continued_tail=False):
    lacing = []
    body = b""
    for i, p in enumerate(body_packets):
        n = len(p)
        while n >= 255:
            lacing.append(255)
            n -= 255
        if not (continued_tail and i == len(body_packets) - 1):
            lacing.append(n)
        body += p
    hdr = b"OggS" + bytes([0, flags]) + struct.pack("<qII", granule, serial, seqno) + b"\0\0\0\0" + bytes([len(lacing)]) + bytes(lacing)
    pg = bytearray(hdr + body)
    struct.pack_into("<I", pg, 22, ogg_crc(pg))
    return bytes(pg)


def opus_head(channels=1, preskip=312):
    return b"OpusHead" + bytes([1, channels]) + struct.pack("<HIhB", preskip, 48000, 0, 0)


def opus_tags(comments, vendor=b"libopus 1.3.1"):
    t = b"OpusTags" + struct.pack("<I", len(vendor)) + vendor + struct.pack("<I", len(comments))
    for c in comments:
        t += struct.pack("<I", len(c)) + c
    return t


def opus_file(pages_of_audio=4, eos=True, channels=1, comments=(b"TITLE=Grandma's kitchen", b"ARTIST=Ana")):
    serial = 0x5EED
    out = page([opus_head(channels)], 0x02, 0, serial, 0)
    out += page([opus_tags(list(comments))], 0x00, 0, serial, 1)
    # Each audio packet: TOC 0xF8 (CELT fullband 20 ms, one frame) and an empty frame, which
    # decoders treat as a lost packet; 50 packets are one second.
    granule = 0
    for i in range(pages_of_audio):
        pkts = [bytes([0xF8]) for _ in range(50)]
        granule += 50 * 960
        last = i == pages_of_audio - 1
        out += page(pkts, 0x04 if (last and eos) else 0, granule, serial, 2 + i)
    return out


def ogg_seeds():
    good = opus_file()
    put("ogg", "valid", b"\x00" + good)
    put("ogg", "valid-fixcrc", b"\x01" + good)
    put("ogg", "no-eos-cut", b"\x00" + opus_file(eos=False)[:-20])
    put("ogg", "cut-mid-page", b"\x01" + good[: len(good) - 40])
    put("ogg", "stereo", b"\x00" + opus_file(channels=2, pages_of_audio=2))
    # A page that ends inside a packet, then nothing: repair drops the unfinished packet.
    serial = 7
    f = page([opus_head()], 0x02, 0, serial, 0) + page([opus_tags([b"A=b"])], 0, 0, serial, 1)
    f += page([b"\xf8", b"\xf8" * 300], 0, 960, serial, 2, continued_tail=True)
    put("ogg", "split-packet", b"\x00" + f)
    # Tags over two pages.
    big = opus_tags([b"DESCRIPTION=" + b"x" * 300])
    f = page([opus_head()], 0x02, 0, serial, 0)
    first, rest = big[:255], big[255:]
    f += page([first], 0, -1, serial, 1, continued_tail=True)
    f += page([rest], 0x01, 0, serial, 2)
    f += page([b"\xf8"] * 10, 0x04, 9600, serial, 3)
    put("ogg", "tags-two-pages", b"\x00" + f)
    # Two chained streams: repair must refuse.
    put("ogg", "chained", b"\x00" + opus_file(pages_of_audio=1) + opus_file(pages_of_audio=1).replace(b"\xed\x5e", b"\xee\x5e"))
    put("ogg", "empty", b"\x00")
    put("ogg", "not-ogg", b"\x01RIFF....WAVEfmt ")


# ---- api: requests separated by 0x1E; each: route byte, story byte, body ----

# The order of the POST/PUT/PATCH routes as the router registers them (kiosk, admin, sync).
ROUTES = [
    "POST /api/v1/session",
    "PUT /api/v1/session/participants",
    "PUT /api/v1/session/consent",
    "PUT /api/v1/session/questions",
    "POST /api/v1/session/mic-check",
    "POST /api/v1/session/record",
    "POST /api/v1/session/pause",
    "POST /api/v1/session/resume",
    "POST /api/v1/session/next-question",
    "POST /api/v1/session/stop",
    "POST /api/v1/session/save",
    "PUT /api/v1/session/review",
    "POST /api/v1/session/touch",
    "POST /api/v1/admin/login",
    "POST /api/v1/admin/setup-pin",
    "POST /api/v1/admin/logout",
    "PUT /api/v1/admin/pin",
    "PATCH story",
    "POST story/secret-link",
    "POST story/withdraw",
    "PUT /api/v1/admin/settings",
    "PUT /api/v1/admin/questions",
    "POST /api/v1/admin/pairing",
    "POST /api/v1/admin/export",
    "POST /sync/v1/pair",
    "POST /sync/v1/ack",
]


def req(route, body, story=0):
    return bytes([ROUTES.index(route), story]) + (body if isinstance(body, bytes) else json.dumps(body).encode())


def api_seeds():
    people = [{"name": "Ana", "role": "storyteller", "age_range": "65+", "relationship": "grandmother", "channel": 1},
              {"name": "Leo", "role": "interviewer", "channel": 2}]
    consent = [{"participant": 0, "choice": "share", "typed_name": "Ana"},
               {"participant": 1, "choice": "private", "typed_name": "Leo", "guardian_name": "Marta"}]
    session = [req("POST /api/v1/session", {"language": "en"}),
               req("PUT /api/v1/session/participants", people),
               req("PUT /api/v1/session/consent", consent),
               req("PUT /api/v1/session/questions", [{"text": "What was your first job?"}, {"text": "¿Dónde creciste?"}])]
    put("api", "session-flow", b"\x1e".join(session))
    put("api", "session-review", b"\x1e".join(session[:1] + [req("PUT /api/v1/session/review", {"title": "Río", "description": "d", "keywords": ["a", "b"]})]))
    put("api", "session-start-es", req("POST /api/v1/session", {"language": "es"}))
    put("api", "login", req("POST /api/v1/admin/login", {"pin": "2468"}))
    put("api", "login-wrong", b"\x1e".join([req("POST /api/v1/admin/login", {"pin": "1111"})] * 3))
    put("api", "setup-pin", req("POST /api/v1/admin/setup-pin", {"pin": "123456"}))
    put("api", "change-pin", req("PUT /api/v1/admin/pin", {"pin": "13579"}))
    put("api", "edit-story", req("PATCH story", {"title": "New title", "description": "About the river", "keywords": ["river"], "share_level": "community"}, 0))
    put("api", "edit-community", req("PATCH story", {"share_level": "private"}, 1))
    put("api", "edit-missing", req("PATCH story", {"title": "x"}, 2))
    put("api", "secret-link", req("POST story/secret-link", b"", 0))
    put("api", "withdraw", b"\x1e".join([req("POST story/withdraw", b"", 1), req("PATCH story", {"title": "after"}, 1)]))
    put("api", "settings", req("PUT /api/v1/admin/settings", {"booth-name": "Riverside booth", "booth-code": "RIV", "time-limit-minutes": "30", "bitrate": 96000, "master": False, "languages": "en, es", "warning-minutes": "5, 1", "site-url": "https://library.example.org/stories/"}))
    put("api", "settings-bad", req("PUT /api/v1/admin/settings", {"data": "/tmp", "bitrate": "fast"}))
    put("api", "questions", req("PUT /api/v1/admin/questions", [{"name": "Family", "language": "en", "questions": ["Who raised you?", "What did you eat?"]}, {"name": "Familia", "language": "es", "questions": ["¿Quién te crió?"]}]))
    put("api", "export", req("POST /api/v1/admin/export", {"to": "/media/usb"}))
    put("api", "pair", b"\x1e".join([req("POST /api/v1/admin/pairing", b""), req("POST /sync/v1/pair", {"code": "ABCD-EFGH", "host_name": "laptop"})]))
    put("api", "ack", req("POST /sync/v1/ack", {"seq": 2}))
    put("api", "logout", b"\x1e".join([req("POST /api/v1/admin/logout", b""), req("PUT /api/v1/admin/pin", {"pin": "9999"})]))
    put("api", "not-json", req("POST /api/v1/session", b"{\"language\": \"en\""))
    put("api", "touch", req("POST /api/v1/session/touch", b""))


# ---- changes: mode byte + body / export ----

BOOTH = {"id": "0b9f1c2e-1d7a-4c1b-9f3e-2a1b3c4d5e6f", "name": "Story booth", "code": "MAIN", "version": "0.1.0"}
SID = "5e0c2a4b-8f1d-4e6a-9b2c-7d3e1f0a9b8c"


def story(sid=SID, files=True):
    return {
        "id": sid, "code": "MAIN-0001", "state": "complete",
        "created_at": "2026-11-26T05:02:22.123Z", "started_at": "2026-11-26T05:02:22.123Z", "ended_at": "2026-11-26T05:40:00.000Z",
        "clock_trusted": True, "duration_ms": 61000, "title": "Grandma's kitchen", "description": "", "language": "en",
        "share_level": "community", "note": "", "lufs": -18.25, "true_peak_dbtp": -1.5, "channels": 2, "sample_rate": 48000,
        "bitrate": 64000, "updated_at": "2026-11-26T05:40:00.000Z", "secret_link": "",
        "participants": [{"name": "Ana", "age_range": "65+", "relationship": "", "role": "storyteller", "mic_channel": 0,
                          "consent": {"release_version": "2026-1", "choice": "community", "typed_name": "Ana", "guardian_name": "", "agreed_at": "2026-11-26T05:03:00.000Z"}}],
        "questions": ["What do you remember?"], "markers": [{"offset_ms": 1000, "text": "What do you remember?"}],
        "keywords": ["kitchen"],
        "files": [{"name": "story.opus", "kind": "listening", "size": 12, "sha256": hashlib.sha256(b"OggS example").hexdigest()}] if files else [],
    }


def changes_seeds():
    page_ = {"booth": BOOTH, "changes": [{"seq": 1, "kind": "upsert", "story": story()},
                                         {"seq": 3, "kind": "tombstone", "story_id": "1e0c2a4b-8f1d-4e6a-9b2c-7d3e1f0a9b8c", "at": "2026-11-27T10:00:00.000Z"}],
             "next": 3, "more": False}
    put("changes", "page", b"\x00" + json.dumps(page_).encode())
    put("changes", "story", b"\x00" + json.dumps(story()).encode())
    put("changes", "entry", b"\x00" + json.dumps({"seq": 4, "kind": "upsert", "story": story(files=False)}).encode())
    put("changes", "booth", b"\x00" + json.dumps({"booth": BOOTH, "latest_seq": 3}).encode())
    put("changes", "empty-page", b"\x00" + json.dumps({"booth": BOOTH, "changes": [], "next": 0, "more": True}).encode())
    booth_json = {"format": 1, "booth": BOOTH, "exported_at": "2026-11-27T10:00:00.000Z", "latest_seq": 3}
    nofiles = dict(page_)
    nofiles["changes"] = [{"seq": 1, "kind": "upsert", "story": story(files=False)}, page_["changes"][1]]
    put("changes", "usb-export", b"\x01" + json.dumps(booth_json).encode() + b"\x00" + json.dumps(nofiles).encode())
    put("changes", "usb-export-files", b"\x01" + json.dumps(booth_json).encode() + b"\x00" + json.dumps(page_).encode())
    put("changes", "usb-unfinished", b"\x01" + json.dumps(booth_json).encode())


# ---- config: selector byte + file ----

def config_seeds():
    put("config", "storybooth", b"\x00" + b"""# storybooth.conf
data = /var/lib/storybooth
listen = 0.0.0.0:8080
device = USB
channels = 2
booth-name = Riverside booth  # the name on the screens
booth-code = RIV
time-limit-minutes = 0.5
warning-minutes = 5, 1, 0.25
bitrate = 96000
master = off
languages = en, es
idle-timeout-seconds = 120
site-url = https://library.example.org/stories/
gpio-chip = gpiochip0
gpio-button = GPIO17
gpio-led =
gpio-min-seconds = 3
gpio-max-seconds = 300
""")
    put("config", "storybooth-bad", b"\x00booth-code = main\nno equals here\n")
    put("config", "storybooth-unknown", b"\x00colour = blue\r\n")
    put("config", "storysync", b"\x01" + b"""# storysync.conf
library = /home/volunteer/stories
timeout = 30
rate-limit = 1000000
base-url = https://library.example.org/stories/
podcast-title = Voices of Springfield
podcast-description = Stories, recorded in the library.
podcast-author = Springfield Public Library
podcast-email = stories@example.org
podcast-language = es
podcast-explicit = false
podcast-locked = true
archive-organization = Springfield Public Library
[section]
archive-contact-email = archive@example.org
""")
    put("config", "storysync-bad", b"\x01timeout = 0\ncolour = blue\n")
    put("config", "storysync-quotes", b"\x01podcast-title = \"Quoted, with commas\"\npodcast-copyright = '\xc2\xa9 2026'\n")


# ---- bagit: "@@ NAME" files ----

def bag(files, fill=False):
    out = b""
    payload = {n: c for n, c in files if n.startswith("data/")}
    tags = {}
    tags["bagit.txt"] = b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
    octets = sum(len(c) for c in payload.values())
    tags["bag-info.txt"] = ("Source-Organization: Springfield Public Library\nBagging-Date: 2026-11-27\nPayload-Oxum: %d.%d\nExternal-Identifier: MAIN-0001\n  continued line\n" % (octets, len(payload))).encode()
    for alg in ("sha256", "sha512"):
        lines = b""
        for n, c in payload.items():
            h = "*" if fill else hashlib.new(alg, c).hexdigest()
            lines += ("%s %s\n" % (h, n)).encode()
        tags["manifest-%s.txt" % alg] = lines
    lines = b""
    for n in ("bagit.txt", "bag-info.txt", "manifest-sha256.txt", "manifest-sha512.txt"):
        lines += ("%s %s\n" % (hashlib.sha256(tags[n]).hexdigest() if not fill or not n.startswith("manifest") else "*", n)).encode()
    tags["tagmanifest-sha256.txt"] = lines
    for n, c in list(tags.items()) + list(payload.items()):
        out += b"@@ " + n.encode() + b"\n" + c
        if not c.endswith(b"\n"):
            out += b"\n"
    return out


def bagit_seeds():
    files = [("data/MAIN/MAIN-0001_5e0c2a4b/story.opus", b"OggS fake opus\n"),
             ("data/MAIN/MAIN-0001_5e0c2a4b/metadata.json", json.dumps({"story": {"id": SID}}).encode() + b"\n")]
    put("bagit", "valid", bag(files))
    put("bagit", "fill-checksums", bag(files, fill=True))
    b = bag(files).replace(b"OggS fake opus", b"OggS fake opuS")
    put("bagit", "flipped-byte", b)
    put("bagit", "extra-and-missing", bag(files) + b"@@ data/extra.txt\nnot listed\n@@ manifest-md5.txt\nd41d8cd98f00b204e9800998ecf8427e data/x\n")
    put("bagit", "bad-oxum", bag(files).replace(b"Payload-Oxum: ", b"Payload-Oxum: 1") )
    put("bagit", "encoded-paths", b"@@ bagit.txt\nBagIt-Version: 0.97\nTag-File-Character-Encoding: utf-8\n@@ manifest-sha256.txt\n* data/a%0Ab\n* ./data/c\n" + ("%s ../../etc/passwd\n" % ("0" * 64)).encode() + b"@@ data/c\nc\n")


def main():
    shutil.rmtree(CORPUS, ignore_errors=True)
    ogg_seeds()
    api_seeds()
    changes_seeds()
    config_seeds()
    bagit_seeds()


if __name__ == "__main__":
    main()
