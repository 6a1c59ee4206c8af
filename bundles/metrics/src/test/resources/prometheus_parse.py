# Parses a Prometheus text exposition (stdin) with the Prometheus project's own Python parser, Debian's
# python3-prometheus-client, and prints what it understood in a canonical form the Java tests compare:
#   family NAME TYPE "HELP"                      (help as a JSON string)
#   sample NAME{"label":"value",...} VALUE       (labels as a JSON object, sorted by name; value as a float)
# A text the parser rejects makes it exit non-zero with the parser's error on stderr.
import json
import sys

from prometheus_client.parser import text_string_to_metric_families

for family in text_string_to_metric_families(sys.stdin.read()):
    print("family", family.name, family.type, json.dumps(family.documentation))
    for sample in family.samples:
        labels = json.dumps(sample.labels, sort_keys=True, separators=(",", ":"))
        print("sample", sample.name + labels, repr(float(sample.value)))
