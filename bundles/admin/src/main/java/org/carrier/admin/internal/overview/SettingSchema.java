package org.carrier.admin.internal.overview;

import java.util.Map;

/**
 * What the metatype definition of one PID (or factory PID) says about its keys: each one's default and whether it is
 * a secret. The components' typed config annotations ({@code @ObjectClassDefinition} with {@code @Designate}) are the
 * one source of both, through the MetaType service.
 */
public record SettingSchema(String pid, boolean factory, Map<String, Attribute> attributes) {
    /** One key: its default as text ({@code null}: none) and whether the definition types it a password. */
    public record Attribute(String key, String defaultValue, boolean password) {
    }

    public SettingSchema {
        attributes = Map.copyOf(attributes);
    }
}
