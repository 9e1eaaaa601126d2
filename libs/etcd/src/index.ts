export { findEtcdBinary } from './find-etcd-binary.ts';
export { etcdCommand, clientUrlOf, peerUrlOf, type EtcdMemberSpec, type EtcdMemberTls } from './etcd-command.ts';
export { EtcdMember, type EtcdMemberOptions } from './etcd-member.ts';
export { startEtcdCluster, type EtcdCluster, type EtcdClusterOptions } from './etcd-cluster.ts';
export { waitForEtcd, isEtcdHealthy, type EtcdClientTls } from './wait-for-etcd.ts';
