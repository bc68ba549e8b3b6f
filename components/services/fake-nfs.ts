// The fake NFS share cinder hands out and nova "mounts": there is no NFS server; the mount.nfs
// wrapper in both images turns a mount of this share into a bind mount of the local export dir.
import { ServiceContext } from "./context";

export function fakeNfsShare(ctx: ServiceContext): { share: string; wrapperConf: string } {
    const dir = ctx.config.cinderNfsExportDir;
    const share = `hotstack-os.fakenfs.local:${dir}`;
    return { share, wrapperConf: `# Managed by hotstack-os: the share cinder and nova "mount" is a bind mount of a local directory.\nNFS_SHARE=${share}\nLOCAL_PATH=${dir}\n` };
}
