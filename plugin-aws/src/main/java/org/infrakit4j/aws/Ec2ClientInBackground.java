package org.infrakit4j.aws;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.ec2.Ec2Client;

/**
 * An {@link Ec2Client} built on a thread of its own: building the SDK's client loads about a second's worth of
 * classes, which would otherwise keep the socket from appearing. The build starts at once, beside the server's
 * start; a call that comes before it is done waits for it (at most {@link #BUILD_WAIT}, then fails as an SDK client
 * error, which the plugin maps as any other), so the socket appears sooner and no call sees a half-built client.
 */
final class Ec2ClientInBackground implements InvocationHandler {
    /** Far more than a build takes on a busy machine; a call never waits without bound. */
    static final Duration BUILD_WAIT = Duration.ofSeconds(60);

    private final FutureTask<Ec2Client> build;

    private Ec2ClientInBackground(Supplier<Ec2Client> builder) {
        this.build = new FutureTask<>(builder::get);
    }

    /** Starts building with {@code builder} and returns the client that calls wait for. */
    static Ec2Client start(Supplier<Ec2Client> builder) {
        Ec2ClientInBackground handler = new Ec2ClientInBackground(builder);
        Thread t = new Thread(handler.build, "ik4j-ec2-client");
        t.setDaemon(true);
        t.start();
        return (Ec2Client) Proxy.newProxyInstance(Ec2Client.class.getClassLoader(), new Class<?>[] {Ec2Client.class},
                handler);
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        if (method.getDeclaringClass() == Object.class) {
            return switch (method.getName()) {
                case "equals" -> proxy == args[0];
                case "hashCode" -> System.identityHashCode(proxy);
                default -> "Ec2Client (built in the background)";
            };
        }
        try {
            return method.invoke(client(), args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private Ec2Client client() {
        try {
            return build.get(BUILD_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw SdkClientException.builder().message("could not build the EC2 client: " + e.getCause().getMessage())
                    .cause(e.getCause()).build();
        } catch (TimeoutException e) {
            throw SdkClientException.builder().message("the EC2 client was not built within "
                    + BUILD_WAIT.toSeconds() + " s").build();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw SdkClientException.builder().message("interrupted while the EC2 client was being built").build();
        }
    }
}
