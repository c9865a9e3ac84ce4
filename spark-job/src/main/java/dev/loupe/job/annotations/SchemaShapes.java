package dev.loupe.job.annotations;

import org.apache.avro.Schema;

/**
 * Compares a file's schema with a contract by shape — field names, lists, records and primitive
 * types, nullability aside — not by record names: Spark names nested records after their columns,
 * the .avsc after what they are, and parquet-avro matches fields by name anyway.
 */
final class SchemaShapes {
    private SchemaShapes() {}

    /**
     * The first place where {@code actual} has a field of {@code expected} in another shape, as
     * "column boxes.x0 is string, float expected", or null when every shared field fits. Fields
     * that only one side has are not mismatches.
     */
    static String mismatch(Schema expected, Schema actual, String path) {
        Schema e = nonNull(expected), a = nonNull(actual);
        if (e.getType() != a.getType()) {
            return "column " + path + " is " + describe(a) + ", " + describe(e) + " expected";
        }
        return switch (e.getType()) {
            case RECORD -> {
                for (Schema.Field f : e.getFields()) {
                    Schema.Field other = a.getField(f.name());
                    if (other == null) continue;
                    String m = mismatch(f.schema(), other.schema(), path.isEmpty() ? f.name() : path + "." + f.name());
                    if (m != null) yield m;
                }
                yield null;
            }
            case ARRAY -> mismatch(e.getElementType(), listElement(e.getElementType(), a.getElementType()), path + "[]");
            default -> null;
        };
    }

    /**
     * A list's element as the file holds it: parquet-avro reads a three-level list of nullable
     * primitives (Spark writes them so, e.g. depth.codes) as a list of one-field records around
     * the value; that record is unwrapped where the contract expects a primitive.
     */
    private static Schema listElement(Schema expected, Schema actual) {
        Schema a = nonNull(actual);
        if (nonNull(expected).getType() != Schema.Type.RECORD && a.getType() == Schema.Type.RECORD && a.getFields().size() == 1) {
            return a.getFields().getFirst().schema();
        }
        return actual;
    }

    private static Schema nonNull(Schema s) {
        if (s.getType() != Schema.Type.UNION) return s;
        Schema only = null;
        for (Schema branch : s.getTypes()) {
            if (branch.getType() == Schema.Type.NULL) continue;
            if (only != null) return s; // a real union: compared as a union
            only = branch;
        }
        return only == null ? s : only;
    }

    private static String describe(Schema s) {
        return switch (s.getType()) {
            case RECORD -> "a record";
            case ARRAY -> "a list";
            default -> s.getType().getName();
        };
    }
}
