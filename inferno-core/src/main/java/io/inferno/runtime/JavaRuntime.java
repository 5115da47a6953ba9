package io.inferno.runtime;

import io.inferno.ModelLoadException;
import io.inferno.model.FormatFields;
import io.inferno.model.FormatRules;
import io.inferno.tensor.Tensor;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;

/**
 * Loads {@code format: java} models: a class implementing {@link Model}, named by model.yaml's {@code entrypoint}.
 *
 * <p>{@code entrypoint: com.acme.MyModel} instantiates the class through a public constructor taking a
 * {@link ModelContext}, or else a public no-argument one. {@code entrypoint: com.acme.Models::build} calls a public
 * static method taking a {@link ModelContext} (or nothing) and returning a {@link Model}.
 *
 * <p>Jars in the version directory ({@code *.jar}) are loaded by a class loader of that version alone, whose
 * parent is the application class loader; the loader is closed when the model is closed. Two versions can thus
 * carry two versions of the same class side by side, and new code is picked up by loading a new version, without
 * a restart. With no jars there, the entrypoint is looked up on the application class path. While the model is
 * constructed and while it predicts, the thread's context class loader is the version's loader.
 */
public final class JavaRuntime implements ModelRuntime {
    public static final String FORMAT = "java";

    private static final String JAVA_ID = "\\p{javaJavaIdentifierStart}\\p{javaJavaIdentifierPart}*";
    /** {@code com.acme.MyModel} or {@code com.acme.Models::build}. */
    private static final Pattern ENTRYPOINT =
            Pattern.compile(JAVA_ID + "(\\." + JAVA_ID + ")*(::" + JAVA_ID + ")?");

    /** A java model names its {@code entrypoint}, a class or a static factory, and has no artifact file. */
    private static final FormatRules RULES = (declared, problems) -> {
        if (declared.declares("file")) {
            problems.add("file", "a java model has no artifact file (it runs its entrypoint); remove it"
                    + declared.file().map(f -> ", got " + FormatRules.quote(f)).orElse(""));
        }
        if (!declared.declares("entrypoint")) {
            problems.add("entrypoint", "required for format java: a class name such as com.acme.MyModel,"
                    + " or a static factory such as com.acme.Models::build");
            return FormatFields.NONE;
        }
        String entrypoint = declared.entrypoint().orElse(null);
        if (entrypoint == null) {
            return FormatFields.NONE; // not a string: reported already
        }
        if (!ENTRYPOINT.matcher(entrypoint).matches()) {
            problems.add("entrypoint", "expected a Java class name such as com.acme.MyModel, or"
                    + " com.acme.Models::build, got " + FormatRules.quote(entrypoint));
            return FormatFields.NONE;
        }
        return FormatFields.ofEntrypoint(entrypoint);
    };

    private final ClassLoader parent;

    /** Looks entrypoints up on the class loader that loaded Inferno. */
    public JavaRuntime() {
        this(JavaRuntime.class.getClassLoader());
    }

    /** Looks entrypoints up on {@code parent} (and on the version's own jars, with {@code parent} as parent). */
    public JavaRuntime(ClassLoader parent) {
        this.parent = parent;
    }

    @Override
    public String format() {
        return FORMAT;
    }

    @Override
    public FormatRules formatRules() {
        return RULES;
    }

    @Override
    public Model load(ModelContext context) throws Exception {
        String entrypoint = context.config().entrypoint().orElseThrow(
                () -> new ModelLoadException(context.directory().resolve("model.yaml")
                        + ": entrypoint: required for format java"));
        List<URL> jars = jarsIn(context.directory());
        URLClassLoader own = jars.isEmpty()
                ? null
                : new URLClassLoader("inferno-" + context.config().id(), jars.toArray(URL[]::new), parent);
        ClassLoader loader = own == null ? parent : own;
        try {
            Model model = withContextLoader(loader, () -> instantiate(entrypoint, loader, context));
            return new IsolatedModel(model, loader, own);
        } catch (Exception | LinkageError e) {
            if (own != null) {
                own.close();
            }
            if (e instanceof ModelLoadException m) {
                throw m;
            }
            throw new ModelLoadException(named(context) + "cannot create entrypoint '" + entrypoint + "': "
                    + describe(e), e);
        }
    }

    /**
     * The start of a load failure's reason: the model.yaml that names the entrypoint, as the repository scan names
     * it for its own problems (docs/model-packaging.md, "The Java model contract").
     */
    private static String named(ModelContext context) {
        return context.resolve("model.yaml") + ": ";
    }

    private static List<URL> jarsIn(Path directory) throws IOException {
        List<URL> jars = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*.jar")) {
            for (Path jar : files) {
                if (Files.isRegularFile(jar)) {
                    jars.add(toUrl(jar));
                }
            }
        }
        jars.sort((a, b) -> a.toString().compareTo(b.toString()));
        return jars;
    }

    private static URL toUrl(Path jar) {
        try {
            return jar.toUri().toURL();
        } catch (MalformedURLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Model instantiate(String entrypoint, ClassLoader loader, ModelContext context) throws Exception {
        int sep = entrypoint.indexOf("::");
        String className = sep < 0 ? entrypoint : entrypoint.substring(0, sep);
        Class<?> type;
        try {
            type = Class.forName(className, true, loader);
        } catch (ClassNotFoundException e) {
            throw new ModelLoadException(named(context) + "entrypoint class " + className
                    + " not found (looked in " + (loader instanceof URLClassLoader u && u.getURLs().length > 0
                            ? "the version's jars and " : "") + "the application class path)");
        }
        return sep < 0 ? construct(type, context) : callFactory(type, entrypoint.substring(sep + 2), context);
    }

    private static Model construct(Class<?> type, ModelContext context) throws Exception {
        if (!Model.class.isAssignableFrom(type)) {
            throw new ModelLoadException(named(context) + "entrypoint class " + type.getName()
                    + " does not implement " + Model.class.getName());
        }
        if (Modifier.isAbstract(type.getModifiers())) {
            throw new ModelLoadException(named(context) + "entrypoint class " + type.getName()
                    + " is abstract");
        }
        try {
            Constructor<?> withContext = type.getConstructor(ModelContext.class);
            return (Model) unwrap(() -> withContext.newInstance(context));
        } catch (NoSuchMethodException e) {
            try {
                Constructor<?> noArgs = type.getConstructor();
                return (Model) unwrap(noArgs::newInstance);
            } catch (NoSuchMethodException e2) {
                throw new ModelLoadException(named(context) + "entrypoint class " + type.getName()
                        + " needs a public constructor taking a ModelContext, or a public no-argument one");
            }
        }
    }

    private static Model callFactory(Class<?> type, String methodName, ModelContext context) throws Exception {
        Method method = findFactory(type, methodName);
        if (method == null) {
            throw new ModelLoadException(named(context) + "entrypoint " + type.getName() + "::" + methodName
                    + " must be a public static method taking a ModelContext (or nothing) and returning a Model");
        }
        Object model = unwrap(() -> method.getParameterCount() == 1
                ? method.invoke(null, context)
                : method.invoke(null));
        if (model == null) {
            throw new ModelLoadException(named(context) + "entrypoint " + type.getName() + "::" + methodName
                    + " returned null");
        }
        return (Model) model;
    }

    private static Method findFactory(Class<?> type, String name) {
        Method noArgs = null;
        for (Method m : type.getMethods()) {
            if (!m.getName().equals(name) || !Modifier.isStatic(m.getModifiers())
                    || !Model.class.isAssignableFrom(m.getReturnType())) {
                continue;
            }
            Class<?>[] params = m.getParameterTypes();
            if (params.length == 1 && params[0] == ModelContext.class) {
                return m;
            }
            if (params.length == 0) {
                noArgs = m;
            }
        }
        return noArgs;
    }

    /** Reports the entrypoint's own exception rather than the reflection wrapper. */
    private static Object unwrap(Callable<Object> call) throws Exception {
        try {
            return call.call();
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Exception ex) {
                throw ex;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }

    private static String describe(Throwable e) {
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    static <T> T withContextLoader(ClassLoader loader, Callable<T> body) throws Exception {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(loader);
        try {
            return body.call();
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    /** The user's model, run with its version's class loader as context loader; closing it closes the loader. */
    private static final class IsolatedModel implements Model {
        private final Model delegate;
        private final ClassLoader loader;
        private final URLClassLoader own;

        IsolatedModel(Model delegate, ClassLoader loader, URLClassLoader own) {
            this.delegate = delegate;
            this.loader = loader;
            this.own = own;
        }

        @Override
        public Map<String, Tensor> predict(Map<String, Tensor> inputs) throws Exception {
            return withContextLoader(loader, () -> delegate.predict(inputs));
        }

        @Override
        public void close() throws Exception {
            try {
                withContextLoader(loader, () -> {
                    delegate.close();
                    return null;
                });
            } finally {
                if (own != null) {
                    own.close();
                }
            }
        }

        @Override
        public String toString() {
            return delegate.toString();
        }
    }
}
