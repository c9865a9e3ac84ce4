package dev.loupe.udf;

import java.io.Serializable;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Where {@link PartitionAnnotator}'s input rows keep their request, and what it writes for a row
 * and its result: the one thing the annotate job's table of requests and a caller's own table
 * (the ML transformer's) do differently. The windowing, batching and per-row errors stay one code.
 */
interface RowLayout extends Serializable {

    /** The row's request columns ({@code image_id}, {@code image} or {@code image_path}, {@code task}, ...). */
    Row request(Row input);

    /** What the partition writes for {@code input}, annotated as {@code result} (a row of {@link AnnotationSchema#resultType()}). */
    Row output(Row input, Row result);

    /** The annotate job's: the row is the request; out comes {@code image_id} and the result's fields ({@link AnnotationSchema#rowType()}). */
    final class JobRows implements RowLayout {
        private static final StructType OUTPUT = AnnotationSchema.rowType();

        @Override
        public Row request(Row input) {
            return input;
        }

        @Override
        public Row output(Row input, Row result) {
            Object[] values = new Object[OUTPUT.size()];
            values[0] = input.getAs(AnnotationSchema.IMAGE_ID);
            for (int i = 0; i < result.size(); i++) values[i + 1] = result.get(i);
            return new GenericRowWithSchema(values, OUTPUT);
        }
    }

    /**
     * A caller's table: the request is a struct in one column; out comes every column of the row
     * as it was, that one replaced by the result struct under the caller's name, in its place.
     */
    final class AppendedResult implements RowLayout {
        private final int requestIndex;
        private final StructType schema;

        AppendedResult(StructType input, String requestColumn, String outputColumn) {
            this.requestIndex = input.fieldIndex(requestColumn);
            StructField[] fields = input.fields().clone();
            fields[requestIndex] = new StructField(outputColumn, AnnotationSchema.resultType(), false, Metadata.empty());
            this.schema = new StructType(fields);
        }

        StructType schema() {
            return schema;
        }

        @Override
        public Row request(Row input) {
            return input.getStruct(requestIndex);
        }

        @Override
        public Row output(Row input, Row result) {
            Object[] values = new Object[input.size()];
            for (int i = 0; i < values.length; i++) values[i] = i == requestIndex ? result : input.get(i);
            return new GenericRowWithSchema(values, schema);
        }
    }
}
