package org.infrakit4j.rpc;

/** The interface names and versions exchanged in the handshake (wire-protocol.md §1.5 and §5). */
public final class Handshake {
    public static final String INSTANCE = "Instance";
    /** What {@code Handshake.Implements} and {@code Handshake.Types} clients (InfraKit until 2017-11) require. */
    public static final String VERSION_0_6_0 = "0.6.0";
    /** What {@code Handshake.Hello} clients (InfraKit from 2017-11) require. */
    public static final String VERSION_0_6_1 = "0.6.1";

    private Handshake() {
    }
}
