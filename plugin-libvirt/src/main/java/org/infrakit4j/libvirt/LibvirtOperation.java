package org.infrakit4j.libvirt;

/**
 * The plugin's units of work on libvirt: each has a fixed name for the backend metrics (the libvirt API doing the
 * work; never a domain name, so a caller cannot grow the series) and the words an error about it starts with.
 */
enum LibvirtOperation {
    CONNECT_OPEN("connectOpen", "connect to libvirt"),
    CONNECT_GET_TYPE("connectGetType", "read the driver type"),
    CONNECT_GET_LIB_VERSION("connectGetLibVersion", "read the libvirt version"),
    LIST_DOMAINS("listAllDomains", "describe instances"),
    LIST_DEAD("listAllDomains", "list dead domains"),
    DOMAIN_INSPECT("domainGetXMLDesc", "read the last state of"),
    DOMAIN_LOOKUP("domainLookupByName", "look up domain"),
    STORAGE_LOOKUP("storageVolLookupByName", "check storage for"),
    STORAGE_VOL_CREATE("storageVolCreateXML", "create volumes for"),
    DOMAIN_DEFINE_XML("domainDefineXML", "define domain"),
    DOMAIN_CREATE("domainCreate", "start domain", true),
    DOMAIN_SET_METADATA("domainSetMetadata", "label"),
    DOMAIN_SHUTDOWN("domainShutdown", "destroy", true),
    DOMAIN_IS_ACTIVE("domainIsActive", "wait for the stop of", true),
    DOMAIN_UNDEFINE("domainUndefine", "destroy", true),
    PROVISION_ROLLBACK("provisionRollback", "clean up");

    private final String metricName;
    private final String description;
    private final boolean background;

    LibvirtOperation(String metricName, String description) {
        this(metricName, description, false);
    }

    LibvirtOperation(String metricName, String description, boolean background) {
        this.metricName = metricName;
        this.description = description;
        this.background = background;
    }

    /** Runs only in the background, after the call answered: bounded by the longer background timeout. */
    boolean background() {
        return background;
    }

    /** The {@code operation} label of the backend metrics. */
    String metricName() {
        return metricName;
    }

    /** What an error says the plugin was doing, e.g. {@code start domain worker-0a1b2c3d4e5f}. */
    String doing(String subject) {
        return subject.isEmpty() ? description : description + " " + subject;
    }
}
