package org.infrakit4j.rpc;

import java.util.List;
import java.util.Objects;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.RawJson;

/**
 * An InfraKit SPI other than Instance (Group, Flavor, ...) served by {@link PluginServer} with the same envelope,
 * handshake, limits and error mapping: the dispatcher routes {@code <interfaceName>.<Method>} calls here and lists
 * the interface in {@code Handshake.Implements}, {@code Types} and {@code Hello}. A service that is also a
 * {@link org.infrakit4j.spi.HealthProbe} is asked by {@code /healthz}.
 */
public interface RpcService {
    /** The interface name, e.g. {@code Group}; also the JSON-RPC service name. */
    String interfaceName();

    /** The version {@code Handshake.Implements} and {@code Types} announce, e.g. {@code 0.1.0}. */
    String interfaceVersion();

    /** The object names {@code Handshake.Types} lists, e.g. {@code ["."]} for one unkeyed object. */
    List<String> objectNames();

    /**
     * Answers one call.
     *
     * @param method the method name without the service, e.g. {@code CommitGroup}
     * @param params the request's params (an object, or a one-element array holding it, or null)
     * @return what writes the result, or null when there is no such method
     * @throws Failure when the call fails; its message goes on the wire as it is
     */
    GoJson.Writer call(String method, RawJson params) throws Failure;

    /** The {@code Methods} array of {@code /info/api.json}: one example request and response per method. */
    GoJson.Writer apiMethods(String id);

    /**
     * The method names {@link #call} answers, without the service (e.g. {@code CommitGroup}): {@code /metrics}
     * counts each under its own name ({@code Group.CommitGroup}), any other as {@code other}. Empty by default.
     */
    default List<String> methodNames() {
        return List.of();
    }

    /** Lines appended to {@code /metrics} (Prometheus text format); empty by default. */
    default String metricsText() {
        return "";
    }

    /** A failed call: a JSON-RPC error whose message is exactly {@link #getMessage()}; the kind feeds the metrics. */
    final class Failure extends Exception {
        private final ErrorCode kind;
        private final boolean badParams;

        private Failure(ErrorCode kind, String message, boolean badParams) {
            super(Objects.requireNonNull(message, "message"), null, false, false);
            this.kind = Objects.requireNonNull(kind, "kind");
            this.badParams = badParams;
        }

        /** The plugin could not do what was asked (code -32000). */
        public static Failure of(ErrorCode kind, String message) {
            return new Failure(kind, message, false);
        }

        /** The params could not be read (code -32600, "invalid params: ..."). */
        public static Failure invalidParams(String problem) {
            return new Failure(ErrorCode.INVALID_PROPERTIES, "invalid params: " + problem, true);
        }

        public ErrorCode kind() {
            return kind;
        }

        boolean badParams() {
            return badParams;
        }
    }
}
