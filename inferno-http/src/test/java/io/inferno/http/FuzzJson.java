package io.inferno.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.inferno.text.ClientText;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * A JSON document as the fuzz test edits it. Unlike a Jackson tree it can hold what a client may send but a tree
 * cannot: an object may carry a name twice, numbers and literals are kept as raw text (so {@code 1e400},
 * {@code -0}, {@code NaN} and {@code 99999999999999999999} reach the server as written), and strings may hold lone
 * surrogates (written as JSON escapes). Values are mutable; {@link #copy()} before editing a shared one.
 */
abstract sealed class FuzzJson {
    /** Parses well-formed JSON text (the valid requests the fuzzer starts from). */
    static FuzzJson parse(String json) {
        try {
            return of(ServerHarness.JSON.readTree(json));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static FuzzJson of(JsonNode node) {
        if (node.isObject()) {
            Obj o = new Obj();
            for (Iterator<Map.Entry<String, JsonNode>> f = node.fields(); f.hasNext(); ) {
                Map.Entry<String, JsonNode> e = f.next();
                o.members.add(new Member(e.getKey(), of(e.getValue())));
            }
            return o;
        }
        if (node.isArray()) {
            Arr a = new Arr();
            node.forEach(item -> a.items.add(of(item)));
            return a;
        }
        return node.isTextual() ? string(node.textValue()) : new Raw(node.toString());
    }

    abstract FuzzJson copy();

    abstract void write(StringBuilder out);

    /** The document as UTF-8; a lone surrogate in a string travels as its JSON escape. */
    final byte[] bytes() {
        return text().getBytes(StandardCharsets.UTF_8);
    }

    final String text() {
        StringBuilder out = new StringBuilder();
        write(out);
        return out.toString();
    }

    /** The text, cut to an excerpt: for failure reports. */
    @Override
    public final String toString() {
        return ClientText.truncate(text(), 300);
    }

    /** Every value below this one, depth first, each with where it sits (the root itself is not among them). */
    final List<Slot> slots() {
        List<Slot> slots = new ArrayList<>();
        collect(this, slots);
        return slots;
    }

    private static void collect(FuzzJson value, List<Slot> slots) {
        if (value instanceof Obj o) {
            for (int i = 0; i < o.members.size(); i++) {
                slots.add(new Slot(o, i));
                collect(o.members.get(i).value, slots);
            }
        } else if (value instanceof Arr a) {
            for (int i = 0; i < a.items.size(); i++) {
                slots.add(new Slot(a, i));
                collect(a.items.get(i), slots);
            }
        }
    }

    /** A place in an object or a list: what edits act on. */
    record Slot(FuzzJson parent, int index) {
        FuzzJson value() {
            return parent instanceof Obj o ? o.members.get(index).value : ((Arr) parent).items.get(index);
        }

        void set(FuzzJson value) {
            if (parent instanceof Obj o) {
                o.members.get(index).value = value;
            } else {
                ((Arr) parent).items.set(index, value);
            }
        }

        void remove() {
            if (parent instanceof Obj o) {
                o.members.remove(index);
            } else {
                ((Arr) parent).items.remove(index);
            }
        }

        /** Inserts a copy of this member or item right after it. */
        void duplicate() {
            if (parent instanceof Obj o) {
                Member m = o.members.get(index);
                o.members.add(index + 1, new Member(m.name, m.value.copy()));
            } else {
                List<FuzzJson> items = ((Arr) parent).items;
                items.add(index + 1, items.get(index).copy());
            }
        }

        /** Renames this member; an item of a list has no name and is left alone. */
        void rename(String name) {
            if (parent instanceof Obj o) {
                o.members.get(index).name = name;
            }
        }
    }

    static final class Member {
        String name;
        FuzzJson value;

        Member(String name, FuzzJson value) {
            this.name = name;
            this.value = value;
        }
    }

    static final class Obj extends FuzzJson {
        final List<Member> members = new ArrayList<>();

        Obj with(String name, FuzzJson value) {
            members.add(new Member(name, value));
            return this;
        }

        @Override
        Obj copy() {
            Obj o = new Obj();
            members.forEach(m -> o.members.add(new Member(m.name, m.value.copy())));
            return o;
        }

        @Override
        void write(StringBuilder out) {
            join(out, '{', members, (m, o) -> {
                quote(m.name, o);
                o.append(':');
                m.value.write(o);
            }, '}');
        }
    }

    static final class Arr extends FuzzJson {
        final List<FuzzJson> items = new ArrayList<>();

        Arr with(FuzzJson item) {
            items.add(item);
            return this;
        }

        @Override
        Arr copy() {
            Arr a = new Arr();
            items.forEach(i -> a.items.add(i.copy()));
            return a;
        }

        @Override
        void write(StringBuilder out) {
            join(out, '[', items, FuzzJson::write, ']');
        }
    }

    private static <T> void join(StringBuilder out, char open, List<T> parts, BiConsumer<T, StringBuilder> part,
            char close) {
        out.append(open);
        for (int i = 0; i < parts.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            part.accept(parts.get(i), out);
        }
        out.append(close);
    }

    /** A string value; a lone surrogate in it is written as its JSON escape. */
    static Raw string(String value) {
        StringBuilder out = new StringBuilder(value.length() + 2);
        quote(value, out);
        return new Raw(out.toString());
    }

    private static void quote(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean pairHigh = Character.isHighSurrogate(c) && i + 1 < s.length()
                    && Character.isLowSurrogate(s.charAt(i + 1));
            boolean pairLow = Character.isLowSurrogate(c) && i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20 || (Character.isSurrogate(c) && !pairHigh && !pairLow)) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        out.append('"');
    }

    /** A string, number or literal, written exactly as given: it may be any text, valid JSON or not. */
    static final class Raw extends FuzzJson {
        final String text;

        Raw(String text) {
            this.text = text;
        }

        @Override
        Raw copy() {
            return this; // immutable
        }

        @Override
        void write(StringBuilder out) {
            out.append(text);
        }
    }
}
