# Sourced by ./submit.sh and ./loupe: what both need before they start a JVM. Sets ROOT,
# JAVA_HOME (a JDK 25: the caller's when it is one, else Temurin 25 at its usual place) and
# CALLER_JAVA_HOME (the JDK Maven runs on), builds the jars when they are missing or older than
# any source, POM or schema (LOUPE_NO_BUILD=1: use them as they are, for tests run by the build),
# and defines say, die and loupe_job_classpath.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JDK25=/usr/lib/jvm/temurin-25-jdk-amd64
ENGINE_JAR="$ROOT/engine/target/loupe.jar"
JOB_JAR="$ROOT/spark-job/target/loupe-spark.jar"
CLASSPATH_FILE="$ROOT/spark-job/target/local-classpath.txt"
SPARK_HOME_CLASSPATH_FILE="$ROOT/spark-job/target/spark-home-classpath.txt"

say() { printf 'loupe: %s\n' "$*" >&2; }
die() { say "$*"; exit 2; }

java_major() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}'
}
CALLER_JAVA_HOME="${JAVA_HOME:-}"
if [[ -z "${JAVA_HOME:-}" || ! -x "$JAVA_HOME/bin/java" || "$(java_major "$JAVA_HOME")" != 25 ]]; then
  JAVA_HOME="$JDK25"
fi
[[ -x "$JAVA_HOME/bin/java" ]] || die "Loupe needs JDK 25: set JAVA_HOME to one (looked in $JDK25)"
export JAVA_HOME

# One reactor build makes every jar; the job jar comes last, so a source newer than it is news.
loupe_stale() {
  [[ -f "$ENGINE_JAR" && -f "$JOB_JAR" && -f "$CLASSPATH_FILE" && -f "$SPARK_HOME_CLASSPATH_FILE" ]] || return 0
  [[ "${LOUPE_NO_BUILD:-}" == 1 ]] && return 1
  [[ -n "$(find "$ROOT/pom.xml" "$ROOT"/{engine,udf,spark-job}/pom.xml "$ROOT/schemas" \
            "$ROOT"/{engine,udf,spark-job}/src/main -newer "$JOB_JAR" -print -quit 2>/dev/null)" ]]
}
if loupe_stale; then
  say "building the jars: mvn -B -q -DskipTests package (a minute or two the first time)"
  # Maven runs on the caller's JDK; the POM forks javac from JDK 25 itself (property loupe.jdk).
  (cd "$ROOT" && JAVA_HOME="$CALLER_JAVA_HOME" mvn -B -q -DskipTests -Dloupe.jdk="$JAVA_HOME" package) >&2 || die "the build failed" # stdout is for the commands' output
fi

# The spark-job module's classes and every jar it was built against, Spark included.
loupe_job_classpath() {
  local thin_jar
  thin_jar="$(ls "$ROOT"/spark-job/target/loupe-spark-job-*.jar 2>/dev/null | head -n 1)"
  [[ -n "$thin_jar" ]] || die "no spark-job jar in spark-job/target: run mvn -B -q -DskipTests package"
  printf '%s:%s' "$thin_jar" "$(cat "$CLASSPATH_FILE")"
}
