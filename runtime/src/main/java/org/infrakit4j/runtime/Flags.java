package org.infrakit4j.runtime;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * A plugin's command line, declared in code: its flags, their parsing and its {@code --help}.
 *
 * <p>Why not an annotation-driven parser: building such a parser's model reads every annotation through a
 * generated proxy class and every field by reflection, about 100 ms of a plugin's start on two cores before it can
 * touch its backend (start-up is a measured goal, BENCHMARKS.md); this class loads a handful of classes. Flags are
 * declared once, as fields of the main, and read after {@link #parse}:
 *
 * <pre>{@code
 * final Flags flags = new Flags("infrakit-instance-x", "What the plugin serves.");
 * final PluginLauncher.Options common = new PluginLauncher.Options(flags);
 * final Flags.Flag<Integer> limit = flags.value("--limit", "N", Flags.INTEGER, "Most at once (default: 10).")
 *         .defaultValue(10);
 * }</pre>
 *
 * <p>The syntax is the usual one: {@code --flag value} or {@code --flag=value}; a switch takes no value; a
 * negatable switch also has its {@code --no-} form; a key-value flag takes {@code K=V[,K=V...]} and may be
 * repeated. A flag given twice, an unknown flag, a missing or bad value, or a word that is not a flag is a usage
 * error (exit 2) whose message names the flag.
 */
public final class Flags {
    /** The help's width: wide enough that no path or variable in a description is cut at a line end. */
    static final int WIDTH = 100;
    /** Where descriptions start in the help. */
    private static final int DESCRIPTION_COLUMN = 28;

    /** Text to value; an exception's message says what is wrong with the text. */
    @FunctionalInterface
    public interface Converter<T> {
        T convert(String text) throws Exception;
    }

    private enum Kind { VALUE, SWITCH, NEGATABLE, KEY_VALUES }

    private final String command;
    private final String description;
    private final List<Flag<?>> declared = new ArrayList<>();
    private final Map<String, Flag<?>> byName = new LinkedHashMap<>();
    private final List<String[]> exitCodes = new ArrayList<>();
    private final Map<Flag<Boolean>, Supplier<String>> prints = new LinkedHashMap<>();
    private final Flag<Boolean> help;
    private Flag<Boolean> version;
    private Supplier<String> versionLine;

    public Flags(String command, String description) {
        this.command = Objects.requireNonNull(command, "command");
        this.description = Objects.requireNonNull(description, "description");
        this.help = flag("--help", "Show this help message and exit.").alias("-h");
    }

    public String command() {
        return command;
    }

    /**
     * Adds {@code -V, --version}, printing {@code line} and exiting 0. A plugin whose {@code --version} means
     * something else (InfraKit's Go Docker plugin's API version) declares its own instead.
     */
    public Flags version(Supplier<String> line) {
        this.versionLine = Objects.requireNonNull(line, "line");
        this.version = flag("--version", "Print version information and exit.").alias("-V");
        return this;
    }

    /**
     * A switch that prints what {@code output} gives and exits 0 before the command runs, so it needs no backend,
     * no socket and no other flag ({@code --properties-schema}).
     */
    public Flags printing(String name, String description, Supplier<String> output) {
        prints.put(flag(name, description), Objects.requireNonNull(output, "output"));
        return this;
    }

    /** What a {@link #printing} switch given on the command line prints; null when none was given. */
    String requestedPrint() {
        for (Map.Entry<Flag<Boolean>, Supplier<String>> e : prints.entrySet()) {
            if (e.getKey().get()) {
                return e.getValue().get();
            }
        }
        return null;
    }

    /** The help's closing list: {@code "0", "stopped cleanly"}, ... */
    public Flags exitCode(int code, String meaning) {
        exitCodes.add(new String[] {Integer.toString(code), meaning});
        return this;
    }

    /** A flag with a value ({@code --name NAME}); {@link Flag#get} is null unless given or defaulted. */
    public <T> Flag<T> value(String name, String label, Converter<T> converter, String description) {
        return add(new Flag<>(this, Kind.VALUE, name, label, converter, description));
    }

    /** A switch: {@link Flag#get} is true when given, else false. */
    public Flag<Boolean> flag(String name, String description) {
        return add(new Flag<Boolean>(this, Kind.SWITCH, name, null, null, description)).defaultValue(false);
    }

    /** A switch with a {@code --no-} form: true, false, or null when neither was given. */
    public Flag<Boolean> negatable(String name, String description) {
        return add(new Flag<Boolean>(this, Kind.NEGATABLE, name, null, null, description));
    }

    /**
     * {@code K=V[,K=V...]}, repeatable: every pair given, in order (an empty map when none); a key given twice is
     * a usage error.
     */
    public Flag<Map<String, String>> keyValues(String name, String label, String description) {
        return add(new Flag<Map<String, String>>(this, Kind.KEY_VALUES, name, label, null, description))
                .defaultValue(Map.of());
    }

    private <T> Flag<T> add(Flag<T> flag) {
        if (!flag.name.startsWith("--") || flag.name.length() < 3 || flag.name.contains("=")) {
            throw new IllegalArgumentException("a flag's name is --word: " + flag.name);
        }
        claim(flag.name, flag);
        if (flag.kind == Kind.NEGATABLE) {
            claim("--no-" + flag.name.substring(2), flag);
        }
        declared.add(flag);
        return flag;
    }

    private void claim(String name, Flag<?> flag) {
        if (byName.putIfAbsent(name, flag) != null) {
            throw new IllegalArgumentException("flag " + name + " declared twice");
        }
    }

    /** True once {@code -h/--help} was parsed: print {@link #help()}, nothing else. */
    public boolean helpRequested() {
        return help.get();
    }

    /** True once {@code -V/--version} (as {@link #version} declared it) was parsed. */
    public boolean versionRequested() {
        return version != null && version.get();
    }

    /** What {@code --version} prints. */
    public String versionLine() {
        return versionLine == null ? command : versionLine.get();
    }

    /**
     * Reads {@code args} into the declared flags.
     *
     * @throws PluginLauncher.UsageException naming the flag or word that is wrong
     */
    public void parse(String... args) throws PluginLauncher.UsageException {
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--")) {
                if (i + 1 < args.length) {
                    throw new PluginLauncher.UsageException("Unmatched argument at index " + (i + 1) + ": '"
                            + args[i + 1] + "'");
                }
                return;
            }
            if (!arg.startsWith("-") || arg.equals("-")) {
                throw new PluginLauncher.UsageException("Unmatched argument at index " + i + ": '" + arg + "'");
            }
            int eq = arg.indexOf('=');
            String name = eq < 0 ? arg : arg.substring(0, eq);
            Flag<?> flag = byName.get(name);
            if (flag == null) {
                throw new PluginLauncher.UsageException("Unknown option: '" + name + "'" + suggestion(name));
            }
            String text = eq < 0 ? null : arg.substring(eq + 1);
            switch (flag.kind) {
                case SWITCH, NEGATABLE -> {
                    if (text != null) {
                        throw new PluginLauncher.UsageException("option '" + name + "' takes no value (given '"
                                + text + "')");
                    }
                    flag.setParsed(name, flag.kind == Kind.SWITCH || !name.startsWith("--no-"));
                }
                case VALUE, KEY_VALUES -> {
                    if (text == null) {
                        boolean next = i + 1 < args.length && !looksLikeAFlag(args[i + 1]);
                        if (next) {
                            text = args[++i];
                        } else if (flag.fallback != null) {
                            text = flag.fallback;
                        } else {
                            throw new PluginLauncher.UsageException("Missing required parameter for option '"
                                    + flag.name + "' (" + flag.label + ")");
                        }
                    }
                    flag.accept(name, text);
                }
                default -> throw new IllegalStateException(flag.kind.name());
            }
        }
    }

    /** A value may begin with a dash (a negative number), but not with a declared flag's name. */
    private boolean looksLikeAFlag(String next) {
        int eq = next.indexOf('=');
        return byName.containsKey(eq < 0 ? next : next.substring(0, eq));
    }

    private String suggestion(String name) {
        List<String> close = byName.keySet().stream()
                .filter(n -> !byName.get(n).hidden && n.startsWith("--") && name.length() > 3
                        && (n.startsWith(name) || name.startsWith(n)))
                .sorted().toList();
        return close.isEmpty() ? "" : " (did you mean " + String.join(" or ", close) + "?)";
    }

    /** The help: usage line, description, the visible flags by name, then the exit codes. */
    public String help() {
        StringBuilder out = new StringBuilder();
        List<Flag<?>> shown = declared.stream().filter(f -> !f.hidden)
                .sorted(Comparator.comparing(f -> f.name.substring(2).toLowerCase(Locale.ROOT))).toList();
        out.append("Usage: ").append(command).append(" [FLAG...]\n");
        wrap(out, description, 0, 0);
        for (Flag<?> f : shown) {
            String names = (f.alias == null ? "      " : "  " + f.alias + ", ") + f.synopsis();
            out.append(names);
            if (names.length() + 1 > DESCRIPTION_COLUMN) {
                out.append('\n').append(" ".repeat(DESCRIPTION_COLUMN));
            } else {
                out.append(" ".repeat(DESCRIPTION_COLUMN - names.length()));
            }
            wrap(out, f.description, DESCRIPTION_COLUMN, DESCRIPTION_COLUMN + 2);
        }
        if (!exitCodes.isEmpty()) {
            out.append("Exit codes:\n");
            for (String[] code : exitCodes) {
                String head = "  " + code[0] + "   ";
                out.append(head);
                wrap(out, code[1], head.length(), head.length() + 2);
            }
        }
        return out.toString();
    }

    /** Appends {@code text} wrapped at {@link #WIDTH} (words never split), the first line already at {@code at}. */
    private static void wrap(StringBuilder out, String text, int at, int indent) {
        int column = at;
        boolean lineStart = true;
        for (String word : text.split(" +")) {
            if (word.isEmpty()) {
                continue;
            }
            if (!lineStart && column + 1 + word.length() > WIDTH) {
                out.append('\n').append(" ".repeat(indent));
                column = indent;
                lineStart = true;
            }
            if (!lineStart) {
                out.append(' ');
                column++;
            }
            out.append(word);
            column += word.length();
            lineStart = false;
        }
        out.append('\n');
    }

    /** One declared flag and, after {@link #parse}, its value. */
    public static final class Flag<T> {
        private final Flags owner;
        private final Kind kind;
        private final String name;
        private final String label;
        private final Converter<T> converter;
        private final String description;
        private String alias;
        private boolean hidden;
        private String fallback;
        private T defaultValue;
        private T value;
        private boolean given;

        private Flag(Flags owner, Kind kind, String name, String label, Converter<T> converter, String description) {
            this.owner = owner;
            this.kind = kind;
            this.name = Objects.requireNonNull(name, "name");
            this.label = label;
            this.converter = converter;
            this.description = Objects.requireNonNull(description, "description");
            if ((kind == Kind.VALUE || kind == Kind.KEY_VALUES) && (label == null || label.isBlank())) {
                throw new IllegalArgumentException(name + " takes a value: name it (e.g. N, DIR)");
            }
        }

        /** The value when the flag is not given (shown by the description, which says it in words). */
        public Flag<T> defaultValue(T value) {
            this.defaultValue = value;
            return this;
        }

        /** Accepted, left out of the help: a deprecated spelling kept for old command lines. */
        public Flag<T> hidden() {
            this.hidden = true;
            return this;
        }

        /** A second, short name ({@code -h}). */
        public Flag<T> alias(String shortName) {
            if (!shortName.matches("-[A-Za-z]")) {
                throw new IllegalArgumentException("an alias is -x: " + shortName);
            }
            owner.claim(shortName, this);
            this.alias = shortName;
            return this;
        }

        /** The value of the flag given without one (at the end, or before another flag). */
        public Flag<T> optionalValue(String fallbackText) {
            if (kind != Kind.VALUE) {
                throw new IllegalStateException(name + ": only a value flag has an optional value");
            }
            this.fallback = Objects.requireNonNull(fallbackText, "fallbackText");
            return this;
        }

        /** The parsed value, else the default (null when there is none). */
        public T get() {
            return given ? value : defaultValue;
        }

        /** Whether the command line gave it. */
        public boolean given() {
            return given;
        }

        public String name() {
            return name;
        }

        /** Sets the value as if given: for a deprecated spelling that stands for this flag, and for tests. */
        public void set(T newValue) {
            this.value = newValue;
            this.given = true;
        }

        @SuppressWarnings("unchecked")
        private void setParsed(String as, boolean on) throws PluginLauncher.UsageException {
            once(as);
            set((T) Boolean.valueOf(on));
        }

        private void once(String as) throws PluginLauncher.UsageException {
            if (given && kind != Kind.KEY_VALUES) {
                throw new PluginLauncher.UsageException("option '" + name + "' should be specified only once"
                        + (as.equals(name) ? "" : " (as " + as + " too)"));
            }
        }

        @SuppressWarnings("unchecked")
        private void accept(String as, String text) throws PluginLauncher.UsageException {
            once(as);
            if (kind == Kind.KEY_VALUES) {
                Map<String, String> pairs = given ? new LinkedHashMap<>((Map<String, String>) value)
                        : new LinkedHashMap<>();
                for (String pair : text.split(",", -1)) {
                    int eq = pair.indexOf('=');
                    if (eq <= 0) {
                        throw new PluginLauncher.UsageException("Invalid value for option '" + as + "': '" + pair
                                + "' is not KEY=VALUE");
                    }
                    String key = pair.substring(0, eq);
                    if (pairs.put(key, pair.substring(eq + 1)) != null) {
                        throw new PluginLauncher.UsageException("Invalid value for option '" + as + "': key '"
                                + key + "' given twice");
                    }
                }
                set((T) java.util.Collections.unmodifiableMap(pairs));
                return;
            }
            try {
                set(converter.convert(text));
            } catch (PluginLauncher.UsageException e) {
                throw e;
            } catch (Exception e) {
                String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
                throw new PluginLauncher.UsageException("Invalid value for option '" + as + "': " + why);
            }
        }

        private String synopsis() {
            return switch (kind) {
                case SWITCH -> name;
                case NEGATABLE -> "--[no-]" + name.substring(2);
                case VALUE -> name + (fallback == null ? "=" + label : "[=" + label + "]");
                case KEY_VALUES -> name + "=" + label + "[," + label + "...]";
            };
        }
    }

    // Converters for the usual types, as constants rather than method references: each method reference is an
    // invokedynamic call site, linked on first use (a millisecond or two each on the main thread at start-up).
    // Their messages become "Invalid value for option '--x': <message>".

    /** The text as given. */
    public static final Converter<String> TEXT = new Builtin<>(0);
    /** An int: {@code 'x' is not an int}. */
    public static final Converter<Integer> INTEGER = new Builtin<>(1);
    /** A long. */
    public static final Converter<Long> LONG = new Builtin<>(2);
    /** A double. */
    public static final Converter<Double> DECIMAL = new Builtin<>(3);
    /** A non-empty path. */
    public static final Converter<java.nio.file.Path> PATH = new Builtin<>(4);
    /** A URI. */
    public static final Converter<java.net.URI> URI = new Builtin<>(5);

    private static final class Builtin<T> implements Converter<T> {
        private final int kind;

        private Builtin(int kind) {
            this.kind = kind;
        }

        @Override
        @SuppressWarnings("unchecked")
        public T convert(String s) {
            try {
                return (T) switch (kind) {
                    case 0 -> s;
                    case 1 -> Integer.valueOf(s.trim());
                    case 2 -> Long.valueOf(s.trim());
                    case 3 -> Double.valueOf(s.trim());
                    case 4 -> path(s);
                    case 5 -> new java.net.URI(s);
                    default -> throw new IllegalStateException("converter " + kind);
                };
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + s + "' is not " + (kind == 1 ? "an int"
                        : kind == 2 ? "a long" : "a double"));
            } catch (java.net.URISyntaxException e) {
                throw new IllegalArgumentException("'" + s + "' is not a URI: " + e.getReason());
            }
        }

        private static java.nio.file.Path path(String s) {
            if (s.isEmpty()) {
                throw new IllegalArgumentException("'' is not a path");
            }
            return java.nio.file.Path.of(s);
        }
    }

    /** An enum's constant by name, any case; the message lists the names. */
    public static <E extends Enum<E>> Converter<E> oneOf(Class<E> type) {
        return new OneOf<>(type);
    }

    private static final class OneOf<E extends Enum<E>> implements Converter<E> {
        private final Class<E> type;

        private OneOf(Class<E> type) {
            this.type = type;
        }

        @Override
        public E convert(String s) {
            StringBuilder names = new StringBuilder();
            for (E e : type.getEnumConstants()) {
                if (e.name().equalsIgnoreCase(s.trim())) {
                    return e;
                }
                names.append(names.length() == 0 ? "" : ", ").append(e.name());
            }
            throw new IllegalArgumentException("expected one of [" + names + "] (case-insensitive) but was '" + s
                    + "'");
        }
    }
}
