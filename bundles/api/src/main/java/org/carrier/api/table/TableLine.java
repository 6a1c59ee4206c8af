package org.carrier.api.table;

/**
 * One entry of a table file.
 *
 * @param key    the key, stripped (and as the table's key rule keeps it, e.g. lower case)
 * @param value  the value, stripped; may be empty
 * @param number the line number, from 1
 */
public record TableLine(String key, String value, int number) {
}
