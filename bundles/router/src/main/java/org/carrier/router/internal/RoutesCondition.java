package org.carrier.router.internal;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.condition.Condition;

/**
 * The OSGi condition "the configured routes are in" ({@code osgi.condition.id=carrier.routes}): the Router service's
 * satisfying condition. Disabled until {@link RoutesLoaded} enables it, so SCR registers and unregisters it.
 */
@Component(service = Condition.class, enabled = false, property = Condition.CONDITION_ID + "=" + RoutesLoaded.CONDITION_ID)
public class RoutesCondition implements Condition {
}
