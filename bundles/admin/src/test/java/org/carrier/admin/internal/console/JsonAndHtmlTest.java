package org.carrier.admin.internal.console;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

class JsonAndHtmlTest {

    @Test
    void jsonEscapesStringsSoTheyCannotBreakOutOfTheAnswer() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("s", "a\"b\\c\n</script><b>&\u0001");
        m.put("n", 3);
        m.put("list", Arrays.asList(true, null, "x"));
        assertEquals("{\"s\":\"a\\\"b\\\\c\\n\\u003c/script\\u003e\\u003cb\\u003e\\u0026\\u0001\",\"n\":3,\"list\":[true,null,\"x\"]}",
                Json.write(m));
    }

    @Test
    void htmlEscapesMarkupAndTheConsolesVariables() {
        assertEquals("&lt;script&gt;x&lt;/script&gt; &#36;{appRoot}", Html.text("<script>x</script> ${appRoot}"));
        assertEquals("a&#39;b&#34;c&#36;", Html.attr("a'b\"c$"));
        assertEquals("", Html.text(null));
        assertEquals("a%20b%26c", Html.query("a b&c"));
    }
}
