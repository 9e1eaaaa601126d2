// The Backup operator, as a homelab user would write one: in-cluster credentials through
// @kubernetes/client-node's loadFromCluster(), a list then a watch of every Backup, and for each
// one not run yet a "run" recorded as status.lastRun through the status subresource (an update with
// the resourceVersion it read: a conflict means someone changed it, and the watch brings it back).
import * as k8s from '@kubernetes/client-node';

const GROUP = 'homelab.example.com';
const VERSION = 'v1';
const PLURAL = 'backups';

const kc = new k8s.KubeConfig();
kc.loadFromCluster();
const custom = kc.makeApiClient(k8s.CustomObjectsApi);
const watch = new k8s.Watch(kc);

const codeOf = (err) => err?.code ?? err?.statusCode ?? err?.response?.statusCode ?? err?.message;

async function reconcile(backup) {
  const { namespace, name } = backup.metadata;
  if (backup.metadata.deletionTimestamp || backup.status?.lastRun) return;
  const body = { ...backup, status: { ...backup.status, lastRun: new Date().toISOString().replace(/\.\d+Z$/, 'Z') } };
  try {
    await custom.replaceNamespacedCustomObjectStatus({ group: GROUP, version: VERSION, namespace, plural: PLURAL, name, body });
    console.log(`RAN ${namespace}/${name} ${body.status.lastRun}`);
  } catch (err) {
    console.log(`FAILED ${namespace}/${name} ${codeOf(err)} ${err?.body ?? ''}`);
  }
}

/** List, then watch from the list's resourceVersion; when the watch ends, start over. */
async function run() {
  for (;;) {
    try {
      const list = await custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL });
      console.log(`LISTED ${list.items.length} at ${list.metadata.resourceVersion}`);
      for (const item of list.items) await reconcile(item);
      await new Promise((resolve) => {
        watch
          .watch(
            `/apis/${GROUP}/${VERSION}/${PLURAL}`,
            { resourceVersion: list.metadata.resourceVersion, allowWatchBookmarks: true },
            (type, obj) => {
              if (type === 'ADDED' || type === 'MODIFIED') void reconcile(obj);
            },
            (err) => {
              if (err) console.log(`WATCH ENDED ${codeOf(err)}`);
              resolve();
            },
          )
          .catch((err) => {
            console.log(`WATCH FAILED ${codeOf(err)}`);
            resolve();
          });
      });
    } catch (err) {
      console.log(`LIST FAILED ${codeOf(err)} ${err?.body ?? ''}`);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

console.log('STARTED');
await run();
