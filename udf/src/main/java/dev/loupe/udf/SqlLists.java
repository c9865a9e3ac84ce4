package dev.loupe.udf;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A per-task SQL function's list argument (loupe_detect's categories, loupe_classify's labels) as
 * the engine takes it: SQL users write either {@code 'cat, dog'} or {@code array('cat', 'dog')},
 * and Spark hands a Java UDF the first as a String and the second as a Scala Seq. Anything else
 * (a number, an array of numbers) is refused by name; the caller makes that the row's error.
 */
final class SqlLists {
    private SqlLists() {}

    /**
     * The list, or null for a SQL NULL. Blank and null entries are kept here: the engine's request
     * drops them, as it does for the job's columns.
     *
     * @param function the SQL function, for the message
     * @param argument the argument's name, for the message
     */
    static List<String> of(Object value, String function, String argument) {
        if (value == null) return null;
        if (value instanceof String s) return Arrays.asList(s.split(","));
        Iterable<?> items = switch (value) {
            case scala.collection.Iterable<?> seq -> scala.jdk.javaapi.CollectionConverters.asJava(seq);
            case Iterable<?> list -> list;
            case Object[] array -> Arrays.asList(array);
            default -> throw refused(function, argument, value.getClass().getSimpleName());
        };
        List<String> out = new ArrayList<>();
        for (Object item : items) {
            if (item != null && !(item instanceof String)) throw refused(function, argument, "array of " + item.getClass().getSimpleName());
            out.add((String) item);
        }
        return out;
    }

    /**
     * Same, for an argument that must name at least one entry (loupe_classify's labels): a NULL or
     * all-blank one is refused naming the argument, rather than by the job's options.
     */
    static List<String> required(Object value, String function, String argument) {
        List<String> list = of(value, function, argument);
        if (list == null || list.stream().allMatch(e -> e == null || e.isBlank())) {
            throw new IllegalArgumentException(function + " needs " + argument + " ('a, b' or array('a', 'b')); got "
                    + (list == null ? "NULL" : "none that is not blank"));
        }
        return list;
    }

    private static IllegalArgumentException refused(String function, String argument, String got) {
        return new IllegalArgumentException(function + ": " + argument + " must be a comma-separated string or an array<string> (got " + got + ")");
    }
}
