"""The EL-tooling host after kernel_ml (molecule/el_kernel): ELRepo's keys, elrepo-release, kernel-ml from
elrepo-kernel, a real kernel image and modules; nothing that pretends to be grubby."""

import os

import pytest

REPO = os.path.join(os.environ.get('MOLECULE_PROJECT_DIRECTORY', '.'), '.cache', 'el-kernel', 'repo')


def _read(name):
    with open(os.path.join(REPO, name)) as handle:
        return handle.read().strip()


@pytest.fixture(scope='module')
def kver():
    return _read('KERNEL_VERSION')


def test_elrepo_keys_imported_by_fingerprint(host):
    keys = host.check_output("rpm -q gpg-pubkey --qf '%{VERSION}\\n'").split()
    for name in ('FINGERPRINT_V1', 'FINGERPRINT_V2'):
        assert _read(name)[-8:].lower() in keys, (name, keys)


def test_elrepo_release_installed_with_its_repository(host):
    assert host.package('elrepo-release').is_installed
    repo = host.file('/etc/yum.repos.d/elrepo.repo')
    assert repo.exists and host.check_output('rpm -qf /etc/yum.repos.d/elrepo.repo').startswith('elrepo-release-9')
    text = repo.content_string
    for repo_id in ('[elrepo]', '[elrepo-testing]', '[elrepo-kernel]', '[elrepo-extras]'):
        assert repo_id in text
    # elrepo-kernel stays disabled: kernel_ml enables it for its install only.
    kernel_section = text.split('[elrepo-kernel]', 1)[1].split('[', 1)[0]
    assert 'enabled=0' in kernel_section and 'gpgcheck=1' in kernel_section


def test_kernel_ml_from_elrepo_kernel_signature_checked(host, kver):
    assert host.check_output("rpm -q kernel-ml --qf '%{VERSION}-%{RELEASE}.%{ARCH}'") == kver
    # Signed by the (throwaway) v2 key, which the role imported after checking its fingerprint.
    sig = host.check_output("rpm -q kernel-ml --qf '%{RSAHEADER:pgpsig}'")
    assert _read('FINGERPRINT_V2')[-16:].lower() in sig.lower(), sig
    # dnf installed it from elrepo-kernel, the repository elrepo-release defines (disabled: enabled for the install).
    assert host.check_output("dnf -q repoquery --installed --qf '%{from_repo}' kernel-ml") == 'elrepo-kernel'


def test_kernel_image_is_a_real_bzimage(host, kver):
    image = host.file('/boot/vmlinuz-%s' % kver)
    assert image.exists and image.size > 5 * 1024 * 1024
    # The x86 boot protocol's magic "HdrS" at offset 0x202 of a bzImage.
    assert host.check_output('dd if=/boot/vmlinuz-%s bs=1 skip=514 count=4 2>/dev/null' % kver) == 'HdrS'


def test_modules_and_their_index(host, kver):
    moddir = '/lib/modules/%s' % kver
    dep = host.file(moddir + '/modules.dep').content_string
    assert 'br_netfilter.ko' in dep and 'overlay.ko' in dep
    info = host.check_output('modinfo -b / -k %s -F vermagic br_netfilter' % kver)
    assert info.startswith('6.')


def test_no_grubby_here(host):
    # The default-entry step (grubby) is unexercised on this image; public CI runs it on real EL.
    assert not host.exists('grubby')
