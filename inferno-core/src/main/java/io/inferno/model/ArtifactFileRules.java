package io.inferno.model;

import static io.inferno.model.ConfigWalker.quote;

import java.nio.file.Files;
import java.util.List;

/** {@link FormatRules#artifactFile(List)}: one artifact, named by {@code file} or found by default name. */
record ArtifactFileRules(List<String> defaultFiles) implements FormatRules {
    ArtifactFileRules {
        defaultFiles = List.copyOf(defaultFiles);
        for (String name : defaultFiles) {
            if (!ModelConfigParser.ARTIFACT_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("default artifact must be a plain file name, got '" + name + "'");
            }
        }
    }

    @Override
    public FormatFields resolve(FormatRules.Declared declared, FormatRules.Problems problems) {
        if (declared.declares("entrypoint")) {
            problems.add("entrypoint", "only for format java, not " + declared.format() + "; remove it"
                    + declared.entrypoint().map(e -> ", got " + quote(e)).orElse(""));
        }
        if (declared.declares("file")) {
            return declared.file().map(FormatFields::ofFile).orElse(FormatFields.NONE);
        }
        if (defaultFiles.isEmpty()) {
            problems.add("file", "required for format " + declared.format());
            return FormatFields.NONE;
        }
        for (String candidate : defaultFiles) {
            if (Files.isRegularFile(declared.directory().resolve(candidate))) {
                return FormatFields.ofFile(candidate);
            }
        }
        problems.add("file", "not set, and the version directory holds "
                + (defaultFiles.size() == 1 ? "no " + defaultFiles.get(0)
                        : "neither " + String.join(" nor ", defaultFiles))
                + "; add the artifact or name it in file");
        return FormatFields.NONE;
    }
}
