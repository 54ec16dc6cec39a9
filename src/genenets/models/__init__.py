"""Torch modules only: masked layer, GeneDAE, autoencoders, GENER, GRN nets, omics AE + GAT."""
