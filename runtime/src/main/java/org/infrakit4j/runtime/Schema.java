package org.infrakit4j.runtime;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * What a Properties record documents beyond its types, for {@link PropertiesSchema}: on the record, its title and
 * description; on a component, the JSON Schema facts of that member. The record's constructor still checks the
 * values; these facts only document them, so keep them in step (the schema tests check accepted examples).
 *
 * <p>On a {@code List} or {@code Map} component the value facts (pattern, values, lengths, bounds) apply to its
 * elements; description and default apply to the member itself.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.RECORD_COMPONENT, ElementType.TYPE})
public @interface Schema {
    /** Record only: the schema's title. */
    String title() default "";

    String description() default "";

    /** The member must be present. */
    boolean required() default false;

    /** A regular expression a string must match somewhere (JSON Schema semantics: anchor it with ^ and $). */
    String pattern() default "";

    /** The strings allowed (for a String member; an enum member lists its own constants). */
    String[] values() default {};

    double minimum() default Double.NaN;

    double maximum() default Double.NaN;

    double exclusiveMinimum() default Double.NaN;

    int minLength() default -1;

    int maxLength() default -1;

    /**
     * The value the record takes when the member is absent: plain text for a string or enum member, else JSON
     * (e.g. {@code "true"}, {@code "256"}, {@code "[\"hd\"]"}).
     */
    String defaultValue() default "";
}
