package org.carrier.admin.internal.overview;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.metatype.AttributeDefinition;
import org.osgi.service.metatype.MetaTypeInformation;
import org.osgi.service.metatype.MetaTypeService;
import org.osgi.service.metatype.ObjectClassDefinition;

/**
 * Where the configuration dump reads from: Carrier's configurations (PIDs {@code org.carrier.*}) from ConfigAdmin and
 * their definitions from the MetaType service, which reads the OSGI-INF/metatype documents bnd generates from each
 * component's typed config annotation. The defaults are therefore the very ones the components fall back to.
 */
public final class SettingSources {
    /** The PIDs the dump covers; others (Felix's, pax-logging's) are not Carrier's settings. */
    public static final String PREFIX = "org.carrier.";

    private SettingSources() {
    }

    /** The settings {@code view} shows of the running Carrier. */
    public static List<Setting> settings(Settings.View view, BundleContext context, ConfigurationAdmin configAdmin, MetaTypeService metaType) {
        return Settings.of(view, configurations(configAdmin), schemas(context, metaType));
    }

    /** Carrier's configurations in ConfigAdmin, those without properties yet (created, never updated) left out. */
    public static List<Settings.Configured> configurations(ConfigurationAdmin configAdmin) {
        Configuration[] all;
        try {
            all = configAdmin.listConfigurations("(service.pid=" + PREFIX + "*)");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        List<Settings.Configured> configurations = new ArrayList<>();
        for (Configuration configuration : all == null ? new Configuration[0] : all) {
            Dictionary<String, Object> properties = configuration.getProperties();
            if (properties != null) {
                Map<String, Object> map = new LinkedHashMap<>();
                for (String key : Collections.list(properties.keys())) {
                    map.put(key, properties.get(key));
                }
                configurations.add(new Settings.Configured(configuration.getPid(), configuration.getFactoryPid(), map));
            }
        }
        return configurations;
    }

    /** The definitions of Carrier's PIDs and factory PIDs in the installed bundles, by PID. */
    public static Map<String, SettingSchema> schemas(BundleContext context, MetaTypeService metaType) {
        Map<String, SettingSchema> schemas = new HashMap<>();
        for (Bundle bundle : context.getBundles()) {
            MetaTypeInformation information = metaType.getMetaTypeInformation(bundle);
            if (information != null) {
                add(schemas, information, information.getPids(), false);
                add(schemas, information, information.getFactoryPids(), true);
            }
        }
        return schemas;
    }

    private static void add(Map<String, SettingSchema> schemas, MetaTypeInformation information, String[] pids, boolean factory) {
        for (String pid : pids == null ? new String[0] : pids) {
            if (pid.startsWith(PREFIX)) {
                ObjectClassDefinition definition = information.getObjectClassDefinition(pid, null);
                if (definition != null) {
                    schemas.put(pid, new SettingSchema(pid, factory, attributes(definition)));
                }
            }
        }
    }

    private static Map<String, SettingSchema.Attribute> attributes(ObjectClassDefinition definition) {
        Map<String, SettingSchema.Attribute> attributes = new HashMap<>();
        AttributeDefinition[] all = definition.getAttributeDefinitions(ObjectClassDefinition.ALL);
        for (AttributeDefinition attribute : all == null ? new AttributeDefinition[0] : all) {
            String[] defaults = attribute.getDefaultValue();
            attributes.put(attribute.getID(), new SettingSchema.Attribute(attribute.getID(),
                    defaults == null ? null : Settings.text(defaults), attribute.getType() == AttributeDefinition.PASSWORD));
        }
        return attributes;
    }
}
