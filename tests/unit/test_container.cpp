// Tests for the container recogniser: a table of real-world /proc/PID/cgroup texts.
#include <gtest/gtest.h>

#include <optional>
#include <ostream>
#include <string>

#include "names/container_label.hpp"

namespace pidns {

// For readable failures: gtest prints ContainerLabel through this.
void PrintTo(const ContainerLabel& l, std::ostream* os) {
  *os << "{engine=\"" << l.engine << "\", id=\"" << l.id << "\", pod_uid=\"" << l.pod_uid
      << "\", containerd_namespace=\"" << l.containerd_namespace << "\", user=";
  if (l.user) {
    *os << l.user->uid << " at \"" << l.user->controllers << ':' << l.user->cgroup << '"';
  } else {
    *os << "none";
  }
  *os << "}";
}

namespace {

// Real ids from issue reports (runc#4620, cri-o#811, microshift#697, containerd/cri#290) and
// made-up ones of the same shape.
const std::string kId = "3f2a1b2c3d4e5f60718293a4b5c6d7e8f90123456789abcdef0123456789abcd";
const std::string kId2 = "4e5f6a7b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091";
const std::string kCrioId = "c50666e24d9091a348a831015800cd8c603e3fb9ca23958b249f74e17487f21d";
const std::string kCrioConmonId =
    "32da98c8522068be05a7510a3eddb09cad6ed2f03286180d0e931d0d0b6224a6";
const std::string kCgroupfsId = "1659f887a192f3515dd9b91a41d274abf29ca49de3d2330869131b2d93b45b94";
const std::string kPodUid = "5ed8a4f6-db4e-4b7e-a87c-67da390d031d";
const std::string kPodUidSystemd = "5ed8a4f6_db4e_4b7e_a87c_67da390d031d";

// A cgroup v1 host (Debian 10, CentOS 7): every hierarchy shows the same path.
std::string v1_all(const std::string& path) {
  return "12:pids:" + path + "\n11:hugetlb:" + path + "\n10:net_cls,net_prio:" + path +
         "\n9:perf_event:" + path + "\n8:cpuset:" + path + "\n7:memory:" + path +
         "\n6:freezer:" + path + "\n5:devices:" + path + "\n4:blkio:" + path +
         "\n3:cpu,cpuacct:" + path + "\n2:rdma:/\n1:name=systemd:" + path + "\n";
}

// A systemd hybrid host (Ubuntu 20.04): v1 controllers plus the v2 hierarchy as "0::".
std::string hybrid(const std::string& path) { return v1_all(path) + "0::" + path + "\n"; }

std::string v2(const std::string& path) { return "0::" + path + "\n"; }

ContainerLabel label(std::string engine, std::string id, std::string pod_uid = {}) {
  ContainerLabel l;
  l.engine = std::move(engine);
  l.id = std::move(id);
  l.pod_uid = std::move(pod_uid);
  return l;
}

// A container below systemd's user@UID.service at `cgroup` (by default where systemd puts it) on
// the line of hierarchy `controllers`: a user's own.
ContainerLabel of_user(ContainerLabel l, uid_t uid, std::string cgroup = {},
                       std::string controllers = {}) {
  if (cgroup.empty()) {
    std::string n = std::to_string(uid);
    cgroup = "/user.slice/user-" + n + ".slice/user@" + n + ".service";
  }
  l.user = UserManager{uid, std::move(controllers), std::move(cgroup)};
  return l;
}

// `ctr run`'s container: a containerd namespace and an id.
ContainerLabel ctr(std::string ns, std::string id) {
  ContainerLabel l = label("containerd", std::move(id));
  l.containerd_namespace = std::move(ns);
  return l;
}

struct Case {
  const char* name;  // gtest test name: letters, digits, '_'
  std::string cgroup;
  std::optional<ContainerLabel> expected;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

std::vector<Case> cases() {
  const std::string kube_burstable =
      "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + kPodUidSystemd +
      ".slice/";
  return {
      // --- Docker
      {"DockerSystemdV2", v2("/system.slice/docker-" + kId + ".scope"), label("docker", kId)},
      {"DockerSystemdHybrid", hybrid("/system.slice/docker-" + kId + ".scope"),
       label("docker", kId)},
      {"DockerCgroupfsV1", v1_all("/docker/" + kId), label("docker", kId)},
      {"DockerCgroupfsV2", v2("/docker/" + kId), label("docker", kId)},
      // docker:dind moves itself into an "init" sub-cgroup; an inner container nests below.
      {"DockerSubCgroup", v2("/docker/" + kId + "/init"), label("docker", kId)},
      {"DockerInDockerInnerWins", v2("/docker/" + kId + "/docker/" + kId2), label("docker", kId2)},
      {"DockerRootless",
       v2("/user.slice/user-1000.slice/user@1000.service/user.slice/docker-" + kId + ".scope"),
       of_user(label("docker", kId), 1000)},
      // Read from inside a cgroup namespace: the path is relative to the reader's root.
      {"DockerRelativeToCgroupNamespace", v2("/../../system.slice/docker-" + kId + ".scope"),
       label("docker", kId)},
      // Hybrid host, cgroupfs driver: the v2 line does not show the container, v1 lines do.
      {"DockerOnlyInV1Memory", "7:memory:/docker/" + kId + "\n1:name=systemd:/\n0::/\n",
       label("docker", kId)},

      // --- Kubernetes, systemd driver
      {"K8sContainerdBurstable", v2(kube_burstable + "cri-containerd-" + kId + ".scope"),
       label("containerd", kId, kPodUid)},
      {"K8sContainerdGuaranteed",
       v2("/kubepods.slice/kubepods-pod" + kPodUidSystemd + ".slice/cri-containerd-" + kId +
          ".scope"),
       label("containerd", kId, kPodUid)},
      {"K8sContainerdBesteffort",
       v2("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + kPodUidSystemd +
          ".slice/cri-containerd-" + kId + ".scope"),
       label("containerd", kId, kPodUid)},
      // runc#4620: CRI-O on a v1 host.
      {"K8sCrioV1", v1_all(kube_burstable + "crio-" + kCrioId + ".scope"),
       label("cri-o", kCrioId, kPodUid)},
      {"K8sCrioContainerSubCgroup", v2(kube_burstable + "crio-" + kCrioId + ".scope/container"),
       label("cri-o", kCrioId, kPodUid)},
      {"K8sDockerShim", v2(kube_burstable + "docker-" + kId + ".scope"),
       label("docker", kId, kPodUid)},
      // kind nodes run the kubelet with cgroup root /kubelet.
      {"K8sKindNode",
       v2("/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/"
          "kubelet-kubepods-besteffort-pod" +
          kPodUidSystemd + ".slice/cri-containerd-" + kId + ".scope"),
       label("containerd", kId, kPodUid)},
      // Static pods have a 32-digit config hash as their UID.
      {"K8sStaticPod",
       v2("/kubepods.slice/kubepods-burstable.slice/"
          "kubepods-burstable-pod0f6e2a8b5e4c1d3f2a9b8c7d6e5f4a3b.slice/cri-containerd-" +
          kId + ".scope"),
       label("containerd", kId, "0f6e2a8b5e4c1d3f2a9b8c7d6e5f4a3b")},

      // --- Kubernetes, cgroupfs driver (cri-o#811): the runtime is not in the path.
      {"K8sCgroupfsBurstableV1", v1_all("/kubepods/burstable/pod" + kPodUid + "/" + kCgroupfsId),
       label("kubernetes", kCgroupfsId, kPodUid)},
      {"K8sCgroupfsBesteffortV2", v2("/kubepods/besteffort/pod" + kPodUid + "/" + kCgroupfsId),
       label("kubernetes", kCgroupfsId, kPodUid)},
      {"K8sCgroupfsGuaranteed", v2("/kubepods/pod" + kPodUid + "/" + kCgroupfsId),
       label("kubernetes", kCgroupfsId, kPodUid)},
      // CRI-O's cgroupfs manager keeps its prefix (cri-o#812).
      {"K8sCgroupfsCrio", v2("/kubepods/burstable/pod" + kPodUid + "/crio-" + kCrioId),
       label("cri-o", kCrioId, kPodUid)},

      // --- Monitors are not the container.
      {"CrioConmonInPod", v2(kube_burstable + "crio-conmon-" + kCrioConmonId + ".scope"),
       std::nullopt},
      {"CrioConmonInSystemSlice", v2("/system.slice/crio-conmon-" + kCrioConmonId + ".scope"),
       std::nullopt},
      {"PodmanConmon", v2("/machine.slice/libpod-conmon-" + kId + ".scope"), std::nullopt},
      {"PodmanCgroupfsConmon", v1_all("/libpod_parent/libpod-" + kId + "/conmon"), std::nullopt},
      {"LxcMonitor", v2("/lxc.monitor.web1"), std::nullopt},

      // --- containerd and nerdctl without Kubernetes (containerd/cri#290, falco plugins#1378)
      // v1 hosts with the systemd cgroup driver where systemd does not own name=systemd (kubeadm,
      // AKS, EKS up to about 1.24): runc's "slice:prefix:id" shows verbatim, below containerd.
      {"K8sContainerdV1SystemdDriverNameSystemd",
       "4:memory:/\n1:name=systemd:/system.slice/containerd.service/kubepods-burstable-pod" +
           kPodUidSystemd + ".slice:cri-containerd:" + kId + "\n",
       label("containerd", kId, kPodUid)},
      {"K8sContainerdV1SystemdDriverAllLines",
       v1_all("/system.slice/containerd.service/kubepods-besteffort-pod" + kPodUidSystemd +
              ".slice:cri-containerd:" + kId),
       label("containerd", kId, kPodUid)},
      {"K8sCrioRuncSystemdPath",
       v1_all("/system.slice/crio.service/kubepods-pod" + kPodUidSystemd +
              ".slice:crio:" + kCrioId),
       label("cri-o", kCrioId, kPodUid)},
      {"RuncSystemdPathOutsideKubepods",
       v2("/system.slice/containerd.service/system.slice:cri-containerd:" + kId),
       label("containerd", kId)},
      {"RuncSystemdPathUnknownPrefix",
       v2("/system.slice/containerd.service/kubepods-pod" + kPodUidSystemd + ".slice:other:" + kId),
       std::nullopt},
      {"RuncSystemdPathNotASlice",
       v2("/system.slice/containerd.service/kubepods:cri-containerd:" + kId), std::nullopt},
      {"RuncSystemdPathShortId",
       v2("/system.slice/containerd.service/kubepods.slice:cri-containerd:" + kId.substr(1)),
       label("systemd", "containerd.service")},
      {"RuncSystemdPathFourParts",
       v2("/system.slice/containerd.service/kubepods.slice:cri-containerd:x:" + kId), std::nullopt},

      // --- ctr run with the cgroupfs driver: /<containerd namespace>/<id>
      {"CtrV2", v2("/default/test_container"), ctr("default", "test_container")},
      {"CtrV1", v1_all("/default/test_container"), ctr("default", "test_container")},
      {"CtrHybrid", hybrid("/k8s.io/redis-1"), ctr("k8s.io", "redis-1")},
      {"CtrNameSystemdOnly", "4:memory:/\n1:name=systemd:/default/web\n", ctr("default", "web")},
      // Not on a line where systemd's cgroups would be units: two words prove nothing.
      {"CtrOnlyInAV1Controller", "4:memory:/default/web\n1:name=systemd:/\n", std::nullopt},
      {"CtrThreeComponents", v2("/default/web/sub"), std::nullopt},
      {"CtrOneComponent", v2("/default"), std::nullopt},
      {"CtrUnitAsNamespace", v2("/system.slice/web"), std::nullopt},
      {"CtrUnitAsId", v2("/default/web.scope"), std::nullopt},
      {"CtrDockerDirectory", v2("/docker/web"), std::nullopt},
      {"CtrMesosExecutor", v2("/mesos/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"), std::nullopt},
      {"CtrKubepodsQos", v2("/kubepods/besteffort"), std::nullopt},
      // Docker makes "/<parent>/<64 hex>" below a --cgroup-parent of its user's choosing too.
      {"CtrFullHexIdIsDockersCgroupParent", v2("/ci/" + kId), label("docker", kId)},
      {"CtrBadIdentifier", v2("/default/a..b"), std::nullopt},
      {"CtrSeparatorAtEnd", v2("/default/web-"), std::nullopt},
      {"CtrIdentifierTooLong", v2("/default/" + std::string(77, 'a')), std::nullopt},
      {"CtrIdentifierLongest", v2("/default/" + std::string(76, 'a')),
       ctr("default", std::string(76, 'a'))},

      {"ContainerdNoPod",
       v1_all("/system.slice/system-getty.slice/cri-containerd-" + kId + ".scope"),
       label("containerd", kId)},
      {"NerdctlSystemd", v2("/system.slice/nerdctl-" + kId + ".scope"), label("nerdctl", kId)},

      // --- Podman
      {"PodmanRootfulInitSubCgroup", v2("/machine.slice/libpod-" + kId + ".scope/container"),
       label("podman", kId)},
      {"PodmanRootless",
       v2("/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" + kId + ".scope"),
       of_user(label("podman", kId), 1000)},
      // podman run from a user's shell without systemd's help (--cgroup-manager cgroupfs).
      {"PodmanRootlessCgroupfs",
       v2("/user.slice/user-1001.slice/user@1001.service/user.slice/libpod-" + kId),
       of_user(label("podman", kId), 1001)},
      {"PodmanRootlessSessionUserOnly",
       v2("/user.slice/user-1000.slice/session-2.scope/libpod-" + kId + ".scope"),
       label("podman", kId)},
      {"UserServiceNotADecimalUid", v2("/user.slice/user@x1000.service/libpod-" + kId + ".scope"),
       label("podman", kId)},
      {"UserServiceSignedUid", v2("/user.slice/user@+1000.service/libpod-" + kId + ".scope"),
       label("podman", kId)},
      {"UserServiceUidOverflows",
       v2("/user.slice/user@99999999999.service/libpod-" + kId + ".scope"), label("podman", kId)},
      // --cgroups=split (ceph's cephadm): the payload below the unit podman was started from.
      {"PodmanSplit",
       v2("/system.slice/system-ceph\\x2d5ed8a4f6.slice/ceph-5ed8a4f6@mon.x.service/"
          "libpod-payload-" +
          kId),
       label("podman", kId)},
      {"PodmanSplitV1", v1_all("/system.slice/ceph-5ed8a4f6@mon.x.service/libpod-payload-" + kId),
       label("podman", kId)},
      // --cgroup-manager cgroupfs with --cgroup-parent elsewhere than libpod_parent.
      {"PodmanCgroupfsOwnParent", v2("/ci/libpod-" + kId), label("podman", kId)},
      {"PodmanCgroupfsMachineSlice", v1_all("/machine.slice/libpod-" + kId), label("podman", kId)},
      {"PodmanInPod",
       v2("/machine.slice/machine-libpod_pod_" + kId2 + ".slice/libpod-" + kId + ".scope"),
       label("podman", kId)},
      {"PodmanCgroupfsV1", v1_all("/libpod_parent/libpod-" + kId + "/ctr"), label("podman", kId)},
      {"PodmanCgroupfsV2", v2("/libpod_parent/libpod-" + kId), label("podman", kId)},

      // --- systemd-nspawn, libvirt (machined)
      {"NspawnMachineScope", v2("/machine.slice/machine-my\\x2dmachine.scope/payload/init.scope"),
       label("nspawn", "my-machine")},
      {"NspawnMachineScopeV1", v1_all("/machine.slice/machine-deb12.scope"),
       label("nspawn", "deb12")},
      {"NspawnService", v2("/machine.slice/systemd-nspawn@web\\x2d1.service/payload"),
       label("nspawn", "web-1")},
      // A service inside the container still belongs to the container.
      {"NspawnInnerService",
       v2("/machine.slice/machine-deb12.scope/payload/system.slice/nginx.service"),
       label("nspawn", "deb12")},
      {"NspawnControlByteEscapeKept", v2("/machine.slice/machine-a\\x1bb.scope"),
       label("nspawn", "a\\x1bb")},
      {"LibvirtQemu", v2("/machine.slice/machine-qemu\\x2d1\\x2dubuntu.scope/libvirt/emulator"),
       label("libvirt", "qemu-1-ubuntu")},
      {"LibvirtLxc", v2("/machine.slice/machine-lxc\\x2d4242\\x2dweb.scope"),
       label("libvirt", "lxc-4242-web")},

      // --- LXC, LXD, Incus
      {"LxcPayload", v2("/lxc.payload.web1/init.scope"), label("lxc", "web1")},
      {"LxcPayloadV1", v1_all("/lxc.payload.web1"), label("lxc", "web1")},
      {"LxcLegacy", v1_all("/lxc/web1"), label("lxc", "web1")},
      // LXD 3 (a slash, not LXC 4's dot).
      {"Lxd3Payload", "11:cpuset:/lxc.payload/c1\n1:name=systemd:/\n", label("lxc", "c1")},
      {"Lxd3PayloadV1", v1_all("/lxc.payload/c1"), label("lxc", "c1")},
      // Docker's old LXC driver named the container by its id: still LXC, not a bare id.
      {"LxcLegacyHexName", "11:hugetlb:/lxc/" + kId + "\n", label("lxc", kId)},
      {"LxcLegacyHexNameV1", v1_all("/lxc/" + kId), label("lxc", kId)},

      // --- ECS on EC2 (Docker's --cgroup-parent, or containerd): /ecs/<task id>/<id>
      {"EcsTaskIdV1", v1_all("/ecs/5a3c1e3d2b1f4e6a8c9d0b7e6f5a4c3d/" + kId), label("ecs", kId)},
      {"EcsTaskUuidV2", v2("/ecs/8f63fdc3-4cf9-4e3b-9b0f-5d1b3c1e9e4a/" + kId), label("ecs", kId)},
      {"EcsTaskUuidHybrid", hybrid("/ecs/8f63fdc3-4cf9-4e3b-9b0f-5d1b3c1e9e4a/" + kId),
       label("ecs", kId)},
      {"EcsTaskItself", v2("/ecs/5a3c1e3d2b1f4e6a8c9d0b7e6f5a4c3d"), std::nullopt},
      {"EcsAlone", v2("/ecs"), std::nullopt},
      {"EcsTaskIdUppercase", v2("/ecs/5A3C1E3D2B1F4E6A8C9D0B7E6F5A4C3D/" + kId),
       label("docker", kId)},
      {"EcsTaskIdShort", v2("/ecs/5a3c1e3d/" + kId), label("docker", kId)},

      // --- Docker's cgroupfs driver with --cgroup-parent: a 64-hex leaf below a parent of its
      // user's choosing, the top of the hierarchy included.
      {"DockerCgroupParentV1", v1_all("/ci/build-7/" + kId), label("docker", kId)},
      {"DockerCgroupParentSubCgroup", v2("/ci/" + kId + "/init"), label("docker", kId)},
      {"DockerCgroupParentTopV1", v1_all("/" + kId), label("docker", kId)},
      {"DockerCgroupParentTopV1MemoryOnly",
       "4:memory:/" + kId + "\n1:name=systemd:/system.slice/docker.service\n",
       label("docker", kId)},
      {"DockerCgroupParentTopV2", v2("/" + kId), label("docker", kId)},
      // Below a systemd unit a bare id is some runtime's own layout, not Docker's.
      {"BareIdBelowAScope", v2("/user.slice/user-1000.slice/session-1.scope/" + kId), std::nullopt},
      {"BareIdBelowInitScope", v2("/init.scope/" + kId), std::nullopt},
      {"TopHexUppercase", v2("/3F2A1B2C3D4E5F60718293A4B5C6D7E8F90123456789ABCDEF0123456789ABCD"),
       std::nullopt},
      {"Top63Hex", v1_all("/" + kId.substr(1)), std::nullopt},

      // --- runc's own systemd driver: runc-<id>.scope (runc run --systemd-cgroup)
      {"RuncScopeSystem", v2("/system.slice/runc-mycontainer.scope"), label("runc", "mycontainer")},
      {"RuncScopeSystemV1", v1_all("/system.slice/runc-" + kId + ".scope"), label("runc", kId)},
      {"RuncScopeRootless",
       v2("/user.slice/user-1000.slice/user@1000.service/user.slice/runc-web.scope"),
       of_user(label("runc", "web"), 1000)},
      {"RuncScopeEscaped", v2("/system.slice/runc-my\\x2dbox.scope"), label("runc", "my-box")},
      {"RuncScopeEmptyId", v2("/system.slice/runc-.scope"), std::nullopt},
      {"RuncScopeNotInASlice", v2("/system.slice/foo.service/runc-x.scope"), std::nullopt},
      {"RuncService", v2("/system.slice/runc.service"), label("systemd", "runc.service")},

      // --- The kubelet with a custom runtime cgroup on v1 (--runtime-cgroups=/runtime): runc's
      // "slice:prefix:id" below the runtime's own cgroup.
      {"K8sCustomRuntimeCgroupV1",
       v1_all("/runtime/kubepods-burstable-pod" + kPodUidSystemd + ".slice:cri-containerd:" + kId),
       label("containerd", kId, kPodUid)},
      {"K8sCustomRuntimeCgroupV1CpusetOnly",
       "4:cpuset:/runtime/kubepods-besteffort-pod" + kPodUidSystemd + ".slice:cri-containerd:" +
           kId + "\n3:memory:/runtime\n1:name=systemd:/system.slice/containerd.service\n",
       label("containerd", kId, kPodUid)},
      {"K8sCustomRuntimeCgroupGuaranteed",
       v1_all("/podruntime.slice/kubepods-pod" + kPodUidSystemd + ".slice:crio:" + kCrioId),
       label("cri-o", kCrioId, kPodUid)},

      // --- libvirt without systemd: /machine/<name>.libvirt-lxc (or -qemu)
      {"LibvirtLxcCgroupfsV1", v1_all("/machine/web.libvirt-lxc"), label("libvirt", "web")},
      {"LibvirtLxcCgroupfsBesideLibvirtdService",
       "7:memory:/machine/web.libvirt-lxc\n4:cpu,cpuacct:/machine/web.libvirt-lxc\n"
       "1:name=systemd:/system.slice/libvirtd.service\n",
       label("libvirt", "web")},
      {"LibvirtLxcCgroupfsV2", v2("/machine/web.libvirt-lxc"), label("libvirt", "web")},
      {"LibvirtQemuCgroupfsEmulator", v1_all("/machine/vm1.libvirt-qemu/emulator"),
       label("libvirt", "vm1")},
      {"LibvirtCgroupfsPartition", v1_all("/machine/prod.partition/web.libvirt-lxc"),
       label("libvirt", "web")},
      {"LibvirtCgroupfsEscapedName", v1_all("/machine/_cgroup.web.libvirt-lxc"),
       label("libvirt", "cgroup.web")},
      {"LibvirtCgroupfsEmptyName", v1_all("/machine/.libvirt-lxc"), std::nullopt},
      {"LibvirtdServiceAlone", v2("/system.slice/libvirtd.service"),
       label("systemd", "libvirtd.service")},

      // --- A user's own cgroups: the outermost user@UID.service is the one systemd made.
      {"NestedUserServiceOutermostCounts",
       v2("/user.slice/user-1000.slice/user@1000.service/app.slice/x/user@40002.service/libpod-" +
          kId + ".scope"),
       of_user(label("podman", kId), 1000)},
      {"UserServiceOnNameSystemd",
       "4:memory:/user.slice\n1:name=systemd:/user.slice/user-1000.slice/user@1000.service/"
       "user.slice/libpod-" +
           kId + ".scope\n",
       of_user(label("podman", kId), 1000, {}, "name=systemd")},
      {"UserServiceElsewhere", v2("/deleg/user@40002.service/libpod-" + kId + ".scope"),
       of_user(label("podman", kId), 40002, "/deleg/user@40002.service")},
      {"UserServiceRelativeToCgroupNamespace",
       v2("/../../user@1000.service/user.slice/libpod-" + kId + ".scope"),
       of_user(label("podman", kId), 1000, "/../../user@1000.service")},

      // --- systemd units, the fallback
      {"SystemdService", v2("/system.slice/nginx.service"), label("systemd", "nginx.service")},
      {"SystemdTemplatedService", v2("/system.slice/system-getty.slice/getty@tty1.service"),
       label("systemd", "getty@tty1.service")},
      {"SystemdUserService",
       v2("/user.slice/user-1000.slice/user@1000.service/app.slice/foo.service"),
       of_user(label("systemd", "foo.service"), 1000)},
      {"SystemdDelegatedSubCgroup", v2("/system.slice/buildkit.service/worker/x"),
       label("systemd", "buildkit.service")},
      {"SystemdDockerDaemonIsAService", v2("/system.slice/docker.service"),
       label("systemd", "docker.service")},
      {"SystemdV1NameSystemd",
       "4:memory:/system.slice\n1:name=systemd:/system.slice/nginx.service\n",
       label("systemd", "nginx.service")},
      {"SystemdV2RootThenNameSystemd", "1:name=systemd:/system.slice/nginx.service\n0::/\n",
       label("systemd", "nginx.service")},
      {"SystemdUnitWithColon", v2("/system.slice/a:b.service"), label("systemd", "a:b.service")},
      // A container of some layout not known here, below a service: not the service itself.
      {"ServiceAboveAnUnknownId", v2("/system.slice/containerd.service/" + kId), std::nullopt},
      {"ServiceAboveAnUnknownIdInAName", v2("/system.slice/foo.service/task-" + kId + ".scope/sub"),
       std::nullopt},
      {"ServiceAboveAnUnknownIdV1",
       v1_all("/system.slice/containerd.service/kubepods-pod" + kPodUidSystemd +
              ".slice:unknown:" + kId),
       std::nullopt},
      {"ServiceAboveShortHexIsStillTheService",
       v2("/system.slice/foo.service/" + kId.substr(0, 63)), label("systemd", "foo.service")},

      // --- no label
      {"Root", v2("/"), std::nullopt},
      {"InitScope", v2("/init.scope"), std::nullopt},
      {"InitScopeV1", v1_all("/init.scope"), std::nullopt},
      {"SessionScope", v2("/user.slice/user-1000.slice/session-3.scope"), std::nullopt},
      {"UserManager", v2("/user.slice/user-1000.slice/user@1000.service/init.scope"), std::nullopt},
      {"DesktopAppScope",
       v2("/user.slice/user-1000.slice/user@1000.service/app.slice/"
          "app-gnome-firefox-4242.scope"),
       std::nullopt},
      {"SystemdRunScope", v2("/system.slice/run-r5d7c1b1f0b2e4a3c.scope"), std::nullopt},
      {"EmptyServiceName", v2("/system.slice/.service"), std::nullopt},
      // A .service in a v1 controller alone (no systemd hierarchy) would be a guess.
      {"ServiceOnlyInV1Controller", "4:pids:/system.slice/nginx.service\n", std::nullopt},
      {"PodCgroupItself", v2(kube_burstable), std::nullopt},
      // Not a pod (no kubepods above it): a container below a cgroup parent of its own.
      {"PodDirNotUnderKubepods", v2("/pods/pod" + kPodUid + "/" + kId), label("docker", kId)},
      {"BareIdAnywhere", v2("/system.slice/" + kId), std::nullopt},
      {"DockerAsAWord", v2("/user.slice/docker/notes"), std::nullopt},
      {"DockerDirAlone", v2("/docker"), std::nullopt},
      {"DockerScopeWithoutId", v2("/system.slice/docker-compose.scope"), std::nullopt},
      {"Docker63Hex", v2("/system.slice/docker-" + kId.substr(1) + ".scope"), std::nullopt},
      {"Docker65Hex", v2("/docker/" + kId + "a"), std::nullopt},
      {"DockerUppercaseHex",
       v2("/docker/3F2A1B2C3D4E5F60718293A4B5C6D7E8F90123456789ABCDEF0123456789ABCD"),
       std::nullopt},
      {"DockerCgroupfs63Hex", v2("/docker/" + kId.substr(1)), std::nullopt},
      {"DockerScopeNotHex", v2("/system.slice/docker-" + std::string(64, 'g') + ".scope"),
       std::nullopt},
      {"MachineScopeOutsideMachineSlice", v2("/system.slice/machine-x.scope"), std::nullopt},
      {"EmptyMachineName", v2("/machine.slice/machine-.scope"), std::nullopt},
      {"EmptyLxcPayload", v2("/lxc.payload."), std::nullopt},
      {"Empty", "", std::nullopt},
      {"OnlyNewlines", "\n\n\n", std::nullopt},
      {"Garbage", "\x01\xff\xfe garbage \x7f", std::nullopt},
      {"NoColons", "/system.slice/docker-" + kId + ".scope\n", std::nullopt},
      {"OneColon", "0:/system.slice/docker-" + kId + ".scope\n", std::nullopt},
      {"NonNumericHierarchy", "x::/system.slice/docker-" + kId + ".scope\n", std::nullopt},
      {"EmptyHierarchy", "::/docker/" + kId + "\n", std::nullopt},
      {"EmptyPath", "0::\n", std::nullopt},
      {"NulInside", std::string("0::/system.slice/docker-\0", 25) + kId + ".scope", std::nullopt},
  };
}

class RecogniseCgroup : public ::testing::TestWithParam<Case> {};

TEST_P(RecogniseCgroup, Table) {
  const Case& c = GetParam();
  EXPECT_EQ(recognise_cgroup(c.cgroup), c.expected) << c.cgroup;
}

INSTANTIATE_TEST_SUITE_P(RealWorld, RecogniseCgroup, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return std::string(info.param.name);
                         });

TEST(RecogniseCgroup, NoTrailingNewlineIsFine) {
  EXPECT_EQ(recognise_cgroup("0::/docker/" + kId), label("docker", kId));
}

TEST(RecogniseCgroup, ContainerOnAV1LineBeatsAServiceOnTheV2Line) {
  // The service is only a fallback: a container seen anywhere says more.
  EXPECT_EQ(recognise_cgroup("7:memory:/docker/" + kId + "\n0::/system.slice/nginx.service\n"),
            label("docker", kId));
}

TEST(RecogniseCgroup, V2LineIsTriedFirst) {
  EXPECT_EQ(recognise_cgroup("7:memory:/docker/" + kId2 + "\n1:name=systemd:/docker/" + kId2 +
                             "\n0::/system.slice/docker-" + kId + ".scope\n"),
            label("docker", kId));
  EXPECT_EQ(recognise_cgroup("7:memory:/docker/" + kId2 + "\n1:name=systemd:/docker/" + kId + "\n"),
            label("docker", kId));
}

TEST(RecogniseCgroup, AMonitorStopsTheSearch) {
  // conmon is charged to its container's pod, never labelled as the container or a service.
  EXPECT_EQ(recognise_cgroup("7:memory:/docker/" + kId + "\n0::/system.slice/crio-conmon-" +
                             kCrioConmonId + ".scope\n"),
            std::nullopt);
}

TEST(RecogniseCgroup, EveryPrefixOfEveryCaseIsSafe) {
  // Truncated reads must never read out of bounds (run under -Db_sanitize=address,undefined).
  for (const Case& c : cases()) {
    for (std::size_t n = 0; n <= c.cgroup.size(); ++n) {
      std::optional<ContainerLabel> l = recognise_cgroup(std::string_view(c.cgroup).substr(0, n));
      if (l) {
        EXPECT_FALSE(l->text().empty());
      }
    }
  }
}

TEST(RecogniseCgroup, EscapesCutShortAreKeptLiterally) {
  for (const char* name : {"a\\", "a\\x", "a\\x2", "a\\xzz", "a\\x2g"}) {
    std::string path = std::string("/machine.slice/machine-") + name + ".scope";
    EXPECT_EQ(recognise_cgroup("0::" + path), label("nspawn", name)) << path;
  }
}

TEST(RecogniseCgroup, HugeInputIsFine) {
  std::string deep = "0::";
  for (int i = 0; i < 100000; ++i) deep += "/x";
  deep += "/docker/" + kId + "\n";
  EXPECT_EQ(recognise_cgroup(deep), label("docker", kId));
}

TEST(ContainerLabelText, CutsFullIdsToTwelveLikeDockerPs) {
  EXPECT_EQ(label("docker", kId).text(), "docker 3f2a1b2c3d4e");
  EXPECT_EQ(label("podman", kId).text(), "podman 3f2a1b2c3d4e");
}

TEST(ContainerLabelText, NamesThePodThenTheRuntime) {
  EXPECT_EQ(label("containerd", kId2, kPodUid).text(),
            "k8s pod 5ed8a4f6-db4e-4b7e-a87c-67da390d031d containerd 4e5f6a7b8c9d");
  EXPECT_EQ(label("cri-o", kCrioId, kPodUid).text(),
            "k8s pod 5ed8a4f6-db4e-4b7e-a87c-67da390d031d cri-o c50666e24d90");
}

TEST(ContainerLabelText, UnknownPodRuntimeIsNotRepeatedAsKubernetes) {
  EXPECT_EQ(label("kubernetes", kCgroupfsId, kPodUid).text(),
            "k8s pod 5ed8a4f6-db4e-4b7e-a87c-67da390d031d 1659f887a192");
}

TEST(ContainerLabelText, NamesAreShownWhole) {
  EXPECT_EQ(label("nspawn", "mymachine").text(), "nspawn mymachine");
  EXPECT_EQ(label("lxc", "web1").text(), "lxc web1");
  EXPECT_EQ(label("systemd", "nginx.service").text(), "systemd nginx.service");
  // Sixty-four characters that are not all hex are a name, not an id.
  std::string name(64, 'z');
  EXPECT_EQ(label("lxc", name).text(), "lxc " + name);
}

TEST(ContainerLabelText, CtrContainersShowTheirContainerdNamespace) {
  EXPECT_EQ(ctr("default", "test_container").text(), "containerd default/test_container");
  EXPECT_EQ(recognise_cgroup("0::/default/test_container\n")->text(),
            "containerd default/test_container");
}

// Names as a state file gives them: name, pod name, pod namespace, compose project and service.
ContainerLabel named(ContainerLabel l, std::string name, std::string pod_name = {},
                     std::string pod_namespace = {}, std::string project = {},
                     std::string service = {}) {
  l.names.name = std::move(name);
  l.names.pod_name = std::move(pod_name);
  l.names.pod_namespace = std::move(pod_namespace);
  l.names.compose_project = std::move(project);
  l.names.compose_service = std::move(service);
  return l;
}

TEST(ContainerLabelText, DockerNameThenComposeThenShortId) {
  const std::string id = "0863501e45d8" + std::string(52, 'a');
  EXPECT_EQ(named(label("docker", id), "shop-web", "", "", "shop", "web").text(),
            "docker shop-web (compose shop/web) 0863501e45d8");
  EXPECT_EQ(named(label("docker", id), "shop-web").text(), "docker shop-web 0863501e45d8");
  EXPECT_EQ(named(label("docker", id), "x", "", "", "shop").text(),
            "docker x (compose shop) 0863501e45d8");
  // A service without its project says nothing a user could look up.
  EXPECT_EQ(named(label("docker", id), "x", "", "", "", "web").text(), "docker x 0863501e45d8");
  EXPECT_EQ(named(label("podman", kId), "web").text(), "podman web 3f2a1b2c3d4e");
}

TEST(ContainerLabelText, PodNamespaceAndNameReplaceThePodUid) {
  const std::string id = "f1cde6a8dc2e" + std::string(52, 'b');
  EXPECT_EQ(
      named(label("containerd", id, kPodUid), "cart", "cart-5d8f9c7b6-x2x9q", "checkout").text(),
      "k8s checkout/cart-5d8f9c7b6-x2x9q cart containerd f1cde6a8dc2e");
  // The sandbox (pause) container has no log of its own, so no container name.
  EXPECT_EQ(named(label("containerd", id, kPodUid), "", "cart-5d8f9c7b6-x2x9q", "checkout").text(),
            "k8s checkout/cart-5d8f9c7b6-x2x9q containerd f1cde6a8dc2e");
  EXPECT_EQ(named(label("kubernetes", id, kPodUid), "cart", "cart-1", "checkout").text(),
            "k8s checkout/cart-1 cart f1cde6a8dc2e");
  EXPECT_EQ(named(label("cri-o", id, kPodUid), "cart").text(),
            "k8s pod 5ed8a4f6-db4e-4b7e-a87c-67da390d031d cart cri-o f1cde6a8dc2e");
}

TEST(ContainerLabelText, WithoutNamesTheLabelIsAsBefore) {
  EXPECT_EQ(named(label("docker", kId), "").text(), label("docker", kId).text());
  EXPECT_EQ(named(label("containerd", kId2, kPodUid), "").text(),
            "k8s pod 5ed8a4f6-db4e-4b7e-a87c-67da390d031d containerd 4e5f6a7b8c9d");
}

TEST(ContainerLabelText, EmptyFieldsLeaveNoStraySpaces) {
  EXPECT_EQ(ContainerLabel{}.text(), "");
  EXPECT_EQ(label("docker", "").text(), "docker");
  EXPECT_EQ(label("", "abc").text(), "abc");
}

}  // namespace
}  // namespace pidns
