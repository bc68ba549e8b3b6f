// The list of services: every descriptor, each in its own file. Their order is the order of the
// lists derived from them (databases, DNS names, keystone users); containers start in the order
// their descriptors give (`order`).
import { CINDER } from "./cinder";
import { DASHBOARD } from "./dashboard";
import { ServiceDescriptor } from "./descriptor";
import { DNSMASQ } from "./dnsmasq";
import { GLANCE } from "./glance";
import { HAPROXY } from "./haproxy";
import { HEAT } from "./heat";
import { KEYSTONE } from "./keystone";
import { MARIADB } from "./mariadb";
import { MEMCACHED } from "./memcached";
import { NEUTRON } from "./neutron";
import { NOVA } from "./nova";
import { OVN } from "./ovn";
import { PLACEMENT } from "./placement";
import { RABBITMQ } from "./rabbitmq";

export const ALL_SERVICES: readonly ServiceDescriptor[] = [
    MARIADB, RABBITMQ, MEMCACHED, DNSMASQ, HAPROXY, KEYSTONE, GLANCE, PLACEMENT, NOVA, NEUTRON, OVN, CINDER, HEAT, DASHBOARD,
];
