package org.carrier.api.text;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void stringsAreEscapedSoTheyCannotBreakOutOfTheAnswer() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("s", "a\"b\\c\n</script><b>&\u0001");
        m.put("n", 3);
        m.put("list", Arrays.asList(true, null, "x"));
        assertEquals("{\"s\":\"a\\\"b\\\\c\\n\\u003c/script\\u003e\\u003cb\\u003e\\u0026\\u0001\",\"n\":3,\"list\":[true,null,\"x\"]}",
                Json.write(m));
    }
}
