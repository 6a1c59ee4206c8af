# Independent DKIM implementation for interop tests: Debian's python3-dkim (dkimpy).
#   verify FILE RECORDS_JSON                  -> prints "pass" or "fail"
#   sign FILE SELECTOR DOMAIN KEY ALGORITHM C -> prints the signed message's DKIM-Signature line(s) + message
import json
import sys

import dkim


def main():
    command, path = sys.argv[1], sys.argv[2]
    with open(path, "rb") as f:
        message = f.read()
    if command == "verify":
        records = json.loads(sys.argv[3])

        def dns(name, timeout=5):
            name = name.decode() if isinstance(name, bytes) else name
            value = records.get(name.rstrip("."))
            return value.encode() if value is not None else None

        sys.stdout.write("pass" if dkim.verify(message, dnsfunc=dns) else "fail")
    elif command == "sign":
        selector, domain, key, algorithm, canon = sys.argv[3:8]
        with open(key, "rb") as f:
            private = f.read().strip()
        header, body = canon.split("/")
        signature = dkim.sign(message, selector.encode(), domain.encode(), private,
                              canonicalize=(header.encode(), body.encode()),
                              signature_algorithm=algorithm.encode(), include_headers=[b"from", b"to", b"subject"])
        sys.stdout.buffer.write(signature + message)


main()
