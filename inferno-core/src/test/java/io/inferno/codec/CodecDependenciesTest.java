package io.inferno.codec;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Dependencies between {@code io.inferno.model} and {@code io.inferno.codec} run one way: the model package (the
 * parser decodes warmup samples) uses the codec, never the reverse. Read from the compiled classes' constant pools,
 * which name every class a class refers to (in type references, descriptors and generic signatures alike).
 */
class CodecDependenciesTest {
    private static final String MODEL = "io/inferno/model/";

    @Test
    void codecPackageDoesNotReferToTheModelPackage() throws Exception {
        List<String> edges = new ArrayList<>();
        for (Path classFile : classFiles()) {
            for (String constant : utf8Constants(classFile)) {
                if (constant.contains(MODEL)) {
                    edges.add(classFile.getFileName() + " -> " + constant);
                }
            }
        }

        assertThat(edges).as("io.inferno.codec refers to io.inferno.model (a package cycle)").isEmpty();
    }

    @Test
    void theCheckSeesAReferenceWhereThereIsOne() throws Exception {
        Path parser = Path.of(io.inferno.model.ModelConfigParser.class
                .getResource("ModelConfigParser$Reading.class").toURI());

        assertThat(utf8Constants(parser)).anyMatch(c -> c.contains("io/inferno/codec/TensorCodec"));
    }

    private static List<Path> classFiles() throws URISyntaxException, IOException {
        Path dir = Path.of(TensorCodec.class.getResource("TensorCodec.class").toURI()).getParent();
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> classes = files.filter(f -> f.toString().endsWith(".class")).sorted().toList();
            assertThat(classes).isNotEmpty();
            return classes;
        }
    }

    /** The CONSTANT_Utf8 entries of a class file's constant pool (JVMS 4.4). */
    static List<String> utf8Constants(Path classFile) throws IOException {
        List<String> constants = new ArrayList<>();
        try (InputStream raw = Files.newInputStream(classFile); DataInputStream in = new DataInputStream(raw)) {
            if (in.readInt() != 0xCAFEBABE) {
                throw new IOException(classFile + " is not a class file");
            }
            in.readUnsignedShort(); // minor version
            in.readUnsignedShort(); // major version
            int count = in.readUnsignedShort();
            for (int i = 1; i < count; i++) {
                int tag = in.readUnsignedByte();
                switch (tag) {
                    case 1 -> constants.add(in.readUTF()); // Utf8: u2 length, modified UTF-8, as readUTF reads it
                    case 7, 8, 16, 19, 20 -> in.skipNBytes(2); // Class, String, MethodType, Module, Package
                    case 15 -> in.skipNBytes(3); // MethodHandle
                    case 3, 4, 9, 10, 11, 12, 17, 18 -> in.skipNBytes(4); // Integer .. NameAndType, (Invoke)Dynamic
                    case 5, 6 -> { // Long, Double: eight bytes and two slots
                        in.skipNBytes(8);
                        i++;
                    }
                    default -> throw new IOException(classFile + ": unknown constant pool tag " + tag + " at " + i);
                }
            }
        }
        return constants;
    }
}
