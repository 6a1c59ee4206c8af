package org.carrier.admin.internal.rest;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.carrier.api.text.Json;

/** The OpenAPI 3 document of the REST API, {@code openapi.json} beside this class, read once. */
final class OpenApi {
    private static final Map<?, ?> DOCUMENT = read();

    private OpenApi() {
    }

    static Map<?, ?> document() {
        return DOCUMENT;
    }

    private static Map<?, ?> read() {
        try (InputStream in = OpenApi.class.getResourceAsStream("openapi.json")) {
            if (in == null) {
                throw new IllegalStateException("openapi.json is missing from the bundle");
            }
            return (Map<?, ?>) Json.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
