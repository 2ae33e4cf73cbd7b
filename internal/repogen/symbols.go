package repogen

import "strings"

// realSymbols are exported Linux kernel symbols, so that generated kernels
// look like real ones where people look first.
var realSymbols = strings.Fields(`
__alloc_pages_nodemask __alloc_skb __bitmap_and __bitmap_or __bitmap_weight
__check_object_size __const_udelay __cpu_online_mask __cpu_possible_mask
__dev_kfree_skb_any __free_pages __get_free_pages __init_rwsem __init_waitqueue_head
__kmalloc __kmalloc_node __list_add_valid __list_del_entry_valid __mutex_init
__napi_schedule __netdev_alloc_skb __pci_register_driver __put_page __register_chrdev
__release_region __request_module __request_region __stack_chk_fail __sw_hweight64
__tasklet_schedule __udelay __unregister_chrdev __wake_up __warn_printk
_copy_from_user _copy_to_user _dev_err _dev_info _dev_warn _raw_spin_lock
_raw_spin_lock_bh _raw_spin_lock_irqsave _raw_spin_unlock _raw_spin_unlock_bh
_raw_spin_unlock_irqrestore add_timer alloc_chrdev_region alloc_etherdev_mqs
alloc_netdev_mqs alloc_pages_current alloc_workqueue bio_add_page bio_alloc_bioset
bio_endio bio_put bitmap_find_next_zero_area_off blk_alloc_queue blk_cleanup_queue
blk_execute_rq blk_get_request blk_mq_alloc_tag_set blk_mq_complete_request
blk_mq_end_request blk_mq_free_tag_set blk_mq_init_queue blk_mq_start_request
blk_put_request blk_queue_max_hw_sectors blk_queue_logical_block_size
bpf_prog_put bpf_prog_add call_rcu cancel_delayed_work cancel_delayed_work_sync
cancel_work_sync capable cdev_add cdev_del cdev_init class_destroy
complete complete_all completion_done consume_skb cpu_number cpumask_next
crc32_le crypto_alloc_shash crypto_destroy_tfm crypto_shash_digest
del_timer del_timer_sync destroy_workqueue dev_addr_add dev_close dev_get_by_index
dev_kfree_skb_any dev_open dev_queue_xmit dev_set_mtu device_create
device_destroy device_register device_unregister devm_kfree devm_kmalloc
dma_alloc_attrs dma_free_attrs dma_map_page_attrs dma_set_mask dma_unmap_page_attrs
down_read down_write dput driver_register driver_unregister dump_stack
ether_setup eth_platform_get_mac_address eth_type_trans ethtool_op_get_link
fget filp_close filp_open find_next_bit find_first_bit flush_work flush_workqueue
fput free_irq free_netdev free_pages generic_file_llseek get_device
get_random_bytes get_user_pages hrtimer_cancel hrtimer_init hrtimer_start_range_ns
ib_alloc_pd ib_create_cq ib_dealloc_pd ib_destroy_cq ib_dispatch_event
ib_get_device_fw_str ib_modify_qp_is_ok ib_register_client ib_register_device
ib_unregister_client ib_unregister_device idr_alloc idr_destroy idr_find idr_remove
init_net init_timer_key init_wait_entry iomem_resource ioremap iounmap
iowrite32 ioread32 irq_set_affinity_hint jiffies kernel_sendmsg kfree kfree_skb
kmalloc_caches kmem_cache_alloc kmem_cache_create kmem_cache_destroy
kmem_cache_free kobject_put kstrtoint kstrtouint kthread_create_on_node
kthread_should_stop kthread_stop ktime_get ktime_get_real_ts64 kvfree kvmalloc_node
kzfree list_sort local_bh_disable local_bh_enable memcpy memmove memset
misc_deregister misc_register mod_timer module_layout msleep mutex_lock
mutex_lock_interruptible mutex_unlock napi_complete_done napi_disable
napi_enable napi_gro_receive netdev_err netdev_info netdev_warn netif_carrier_off
netif_carrier_on netif_device_attach netif_device_detach netif_napi_add
netif_napi_del netif_receive_skb netif_tx_wake_queue nla_put nonseekable_open
nvme_complete_rq nvme_init_ctrl nvme_remove_namespaces nvme_start_queues
nvme_stop_queues nvme_uninit_ctrl nvme_wait_freeze page_offset_base
param_ops_bool param_ops_charp param_ops_int param_ops_uint pci_alloc_irq_vectors_affinity
pci_bus_read_config_dword pci_disable_device pci_enable_device
pci_enable_device_mem pci_free_irq_vectors pci_iomap pci_iounmap pci_irq_vector
pci_read_config_dword pci_release_regions pci_request_regions pci_set_master
pci_unregister_driver pci_write_config_dword pcie_capability_read_word
per_cpu_offset phys_base platform_device_register platform_driver_unregister
pm_runtime_enable prepare_to_wait_event printk proc_create proc_remove
put_device queue_delayed_work_on queue_work_on rb_erase rb_insert_color
rb_next register_netdev register_netdevice_notifier release_firmware
remap_pfn_range request_firmware request_threaded_irq rtnl_lock rtnl_unlock
schedule schedule_timeout scnprintf scsi_add_host_with_dma scsi_host_alloc
scsi_host_put scsi_remove_host scsi_scan_host seq_lseek seq_printf seq_read
set_user_nice sg_alloc_table sg_free_table sg_next simple_read_from_buffer
single_open single_release skb_pull skb_push skb_put skb_trim snprintf
sprintf sscanf strcmp strcpy strlcpy strlen strncmp strncpy strscpy
synchronize_irq synchronize_net synchronize_rcu sysfs_create_group
sysfs_remove_group system_wq tcp_sendmsg unregister_chrdev_region
unregister_netdev unregister_netdevice_notifier up_read up_write usleep_range
vfree vmalloc vzalloc wait_for_completion wait_for_completion_timeout
wake_up_process warn_slowpath_fmt x86_dma_fallback_dev xa_load xa_store
`)

// Parts of generated symbol names: subsystem prefixes, verbs and objects as
// they combine in real exports (mlx5_core_create_cq, scsi_dma_map...).
var (
	symPrefixes = strings.Fields(`acpi ata blk bpf cfg80211 crypto dev devlink dm dma drm
		ext4 fc hid i2c ib inet ipv6 iscsi jbd2 kvm mdev mlx4 mlx5 mlx5_core nd net
		netdev nf nfs nvme nvmet pci phy rdma rpc scsi sk skb snd spi tcp tty usb
		v4l2 vfio virtio xdp xfrm xfs`)
	symVerbs = strings.Fields(`alloc free get put init cleanup register unregister
		create destroy add del enable disable start stop attach detach map unmap
		read write lock unlock query modify reset flush submit complete queue
		dequeue find lookup set clear update parse validate notify release probe`)
	symObjects = strings.Fields(`device driver request buffer page queue ctx entry
		port link stats cq qp pd mr srq eq cmd msg frame packet sgl irq vector
		table rule flow region range node key sock addr route session target
		host channel stream ring desc counter timer work event`)
	symSuffixes = []string{"", "", "", "", "_rcu", "_locked", "_nowait", "_async", "_atomic", "_v2"}
	// modulePaths own the symbols kernel-modules exports; Module.kabi_* names them.
	modulePaths = strings.Fields(`drivers/scsi/scsi_transport_sas drivers/scsi/scsi_transport_fc
		drivers/scsi/raid_class drivers/char/ipmi/ipmi_msghandler drivers/infiniband/core/ib_core
		drivers/net/ethernet/mellanox/mlx5/core/mlx5_core drivers/nvme/host/nvme-core
		drivers/md/dm-mod drivers/gpu/drm/drm net/sunrpc/sunrpc fs/nfs/nfs
		drivers/vfio/vfio drivers/net/mdio drivers/usb/core/usbcore`)
)

// symbolNames returns n distinct symbol names: the real ones first, in a
// seed-dependent order, then generated ones.
func symbolNames(r *rng, n int) []string {
	seen := make(map[string]bool, n)
	out := make([]string, 0, n)
	real := append([]string(nil), realSymbols...)
	for i := len(real) - 1; i > 0; i-- {
		j := r.intn(i + 1)
		real[i], real[j] = real[j], real[i]
	}
	for _, s := range real {
		if len(out) == n {
			return out
		}
		seen[s] = true
		out = append(out, s)
	}
	for len(out) < n {
		s := newSymbolName(r)
		if seen[s] {
			// Numbered by position, so unique however many names are asked
			// for: generated names never end in "_<digits>".
			s += "_" + itoa(len(out))
		}
		seen[s] = true
		out = append(out, s)
	}
	return out
}

func newSymbolName(r *rng) string {
	p, v, o := pick(r, symPrefixes), pick(r, symVerbs), pick(r, symObjects)
	var s string
	if r.chance(0.5) {
		s = p + "_" + v + "_" + o
	} else {
		s = p + "_" + o + "_" + v
	}
	if r.chance(0.05) {
		s = "__" + s
	}
	return s + pick(r, symSuffixes)
}
