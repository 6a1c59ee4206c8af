package org.carrier.admin.internal.console;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class HtmlTest {

    @Test
    void htmlEscapesMarkupAndTheConsolesVariables() {
        assertEquals("&lt;script&gt;x&lt;/script&gt; &#36;{appRoot}", Html.text("<script>x</script> ${appRoot}"));
        assertEquals("a&#39;b&#34;c&#36;", Html.attr("a'b\"c$"));
        assertEquals("", Html.text(null));
        assertEquals("a%20b%26c", Html.query("a b&c"));
    }
}
