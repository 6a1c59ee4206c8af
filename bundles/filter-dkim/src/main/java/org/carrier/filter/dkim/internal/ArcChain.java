package org.carrier.filter.dkim.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The ARC sets of a message (RFC 8617 §4.1), by instance, as the header holds them, with the first structural fault
 * found: an instance missing a field, a field twice, a gap, more than 50 sets, an ARC-Seal field whose cv= breaks
 * the rules of §5.2 step 2 or §4.1.3. Read the same way for verifying a chain and for extending it.
 */
final class ArcChain {
    static final String SEAL = "ARC-Seal";
    static final String MESSAGE_SIGNATURE = "ARC-Message-Signature";
    static final String AUTH_RESULTS = "ARC-Authentication-Results";
    /** RFC 8617 §4.2.1: "The maximum value for i= is 50." */
    static final int MAX_INSTANCES = 50;
    private static final List<String> NAMES = List.of(AUTH_RESULTS, MESSAGE_SIGNATURE, SEAL);
    /** RFC 8617 §4.1.1: the AAR value starts with the instance tag, then the authserv-id. */
    private static final Pattern AAR_INSTANCE = Pattern.compile("^[ \t\r\n]*i[ \t\r\n]*=[ \t\r\n]*([0-9]{1,9})[ \t\r\n]*;");

    /** One instance: its three raw fields (Name: value, folding kept). */
    record ArcSet(int instance, String authResults, String messageSignature, String seal) {
        /** The fields in the order an ARC-Seal signs them (RFC 8617 §5.1.1). */
        List<String> inSealOrder() {
            return List.of(authResults, messageSignature, seal);
        }
    }

    private final List<ArcSet> sets;
    private final String problem;
    private final String latestCv;
    private final int highest;

    private ArcChain(List<ArcSet> sets, String problem, String latestCv, int highest) {
        this.sets = List.copyOf(sets);
        this.problem = problem;
        this.latestCv = latestCv;
        this.highest = highest;
    }

    private ArcChain(List<ArcSet> sets, String problem, String latestCv) {
        this(sets, problem, latestCv, sets.size());
    }

    static ArcChain read(RawHeader header) {
        TreeMap<Integer, Map<String, List<String>>> byInstance = new TreeMap<>();
        for (String field : header.fields()) {
            Optional<String> name = NAMES.stream().filter(n -> RawHeader.named(field, n)).findFirst();
            if (name.isEmpty()) {
                continue;
            }
            int instance = instance(field, name.get());
            if (instance < 1) {
                return broken(name.get() + " field without a valid instance i=", byInstance);
            }
            byInstance.computeIfAbsent(instance, i -> new TreeMap<>()).computeIfAbsent(name.get(), n -> new ArrayList<>()).add(field);
        }
        if (byInstance.isEmpty()) {
            return new ArcChain(List.of(), null, null);
        }
        int highest = byInstance.lastKey();
        if (highest > MAX_INSTANCES) {
            return broken("instance i=" + highest + " is beyond the limit of " + MAX_INSTANCES, byInstance);
        }
        List<ArcSet> sets = new ArrayList<>();
        for (int i = 1; i <= highest; i++) {
            Map<String, List<String>> fields = byInstance.getOrDefault(i, Map.of());
            for (String name : NAMES) {
                int count = fields.getOrDefault(name, List.of()).size();
                if (count != 1) {
                    return broken("instance i=" + i + of(fields.isEmpty() ? byInstance.get(highest) : fields)
                            + (count == 0 ? " has no " + name : " has " + count + " " + name + " fields"), byInstance);
                }
            }
            sets.add(new ArcSet(i, fields.get(AUTH_RESULTS).get(0), fields.get(MESSAGE_SIGNATURE).get(0), fields.get(SEAL).get(0)));
        }
        return withCvChecked(sets);
    }

    /** RFC 8617 §5.2 step 2: the latest cv=fail ends the chain; §4.1.3: cv=none at i=1 only, pass at the others. */
    private static ArcChain withCvChecked(List<ArcSet> sets) {
        String latest = cv(sets.get(sets.size() - 1).seal());
        if (latest.equals("fail")) {
            return new ArcChain(sets, "ARC-Seal i=" + sets.size() + " says cv=fail: the chain ended there", latest);
        }
        for (ArcSet set : sets) {
            String cv = cv(set.seal());
            String expected = set.instance() == 1 ? "none" : "pass";
            if (!expected.equals(cv)) {
                return new ArcChain(sets, "ARC-Seal i=" + set.instance() + " has cv=" + cv + ", not " + expected, latest);
            }
        }
        return new ArcChain(sets, null, latest);
    }

    private static ArcChain broken(String problem, TreeMap<Integer, ?> byInstance) {
        return new ArcChain(List.of(), problem, null, byInstance.isEmpty() ? 0 : byInstance.lastKey());
    }

    /**
     * " of example.org": whose set is incomplete, so the log line names the intermediary to ask (the d= of its seal or
     * message signature, else the authserv-id of its ARC-Authentication-Results); for a gap, the latest set's.
     */
    private static String of(Map<String, List<String>> fields) {
        for (String name : List.of(SEAL, MESSAGE_SIGNATURE)) {
            Optional<String> d = fields.getOrDefault(name, List.of()).stream()
                    .flatMap(f -> tags(f.substring(f.indexOf(':') + 1)).map(t -> t.get("d")).stream())
                    .filter(v -> v != null && !v.isBlank()).findFirst();
            if (d.isPresent()) {
                return " of " + d.get().strip().toLowerCase(Locale.ROOT);
            }
        }
        return fields.getOrDefault(AUTH_RESULTS, List.of()).stream()
                .map(f -> AAR_INSTANCE.matcher(f.substring(f.indexOf(':') + 1)).replaceFirst("").split(";")[0].strip())
                .filter(id -> id.matches("[A-Za-z0-9.-]+")).findFirst().map(id -> " of " + id.toLowerCase(Locale.ROOT)).orElse("");
    }

    /** The i= of an ARC field, or -1 when it has none that can be read. */
    private static int instance(String field, String name) {
        String value = field.substring(field.indexOf(':') + 1);
        String digits;
        if (name.equals(AUTH_RESULTS)) {
            Matcher m = AAR_INSTANCE.matcher(value);
            digits = m.find() ? m.group(1) : null;
        } else {
            digits = tags(value).map(t -> t.get("i")).orElse(null);
        }
        return digits != null && digits.matches("[0-9]{1,9}") ? Integer.parseInt(digits) : -1;
    }

    private static String cv(String seal) {
        return tags(seal.substring(seal.indexOf(':') + 1)).map(t -> t.get("cv")).map(v -> v.toLowerCase(Locale.ROOT))
                .orElse("missing");
    }

    private static Optional<TagList> tags(String value) {
        try {
            return Optional.of(TagList.parse(value));
        } catch (DkimException e) {
            return Optional.empty();
        }
    }

    /** The sets 1..N in order; empty when there are none or the structure is broken. */
    List<ArcSet> sets() {
        return sets;
    }

    /** Whether the message has no ARC field at all. */
    boolean isEmpty() {
        return sets.isEmpty() && problem == null;
    }

    /** The highest instance N found (also in a broken chain), 0 when there is none. */
    int highest() {
        return highest;
    }

    /** What is wrong with the chain's structure, if anything. */
    Optional<String> problem() {
        return Optional.ofNullable(problem);
    }

    /** Whether the chain was declared failed by its latest seal (cv=fail): RFC 8617 §5.1 seals no further set on it. */
    boolean endedByFail() {
        return "fail".equals(latestCv) && !sets.isEmpty();
    }
}
